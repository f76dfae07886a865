"""The in-memory facet index gives exactly what the SQL path gives."""

import pytest
from django.http import QueryDict

from cases.browse import BrowseQuery
from cases.facets import FACETS, dynamic_labels
from cases.facets.index import NEWEST_FIRST, FacetIndex, current_index
from cases.models import Case, CatalogueVersion, CommonFactor
from tests import oracles
from tests.cases import sql_reference
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SELECTIONS = [
    "",
    "type=commons&type=local_firm",
    "theme=transport-redesign&scope=domestic",
    "region=chubu&org=municipality",
    "q=交通",
    "q=交通&type=industrial_innovation&sort=-population",
    "q=地域&sort=relevance",
    "sort=population",
    "sort=-latest_source&source=2022-slides",
    "pop=lt10k&pop=gte300k",
    "funding=equity&infra=digital_platform",
    # 参考事例 under their case's 類型; kinds; 共通項.
    "type=industrial_innovation",
    "kind=reference&kind=scheme",
    "factor=1&type=industrial_innovation",
    # 五十音 and 都道府県順, over everything and over a selection.
    "sort=title",
    "sort=prefecture",
    "sort=prefecture&scope=foreign&scope=domestic&kind=scheme",
    "pop=unknown&sort=prefecture",
]


@pytest.mark.parametrize("query_string", SELECTIONS)
def test_index_equals_sql(query_string):
    browse = BrowseQuery.parse(QueryDict(query_string), dynamic_labels())
    results, counts = current_index().select(browse.selected, browse.query, browse.sort_key)
    sql_ids = list(sql_reference.select(browse).values_list("pk", flat=True))
    assert results.ids() == sql_ids
    assert len(results) == len(sql_ids)
    assert counts == sql_reference.counts(browse)
    page = results[0:20]
    assert [case.pk for case in page] == sql_ids[:20]


@pytest.mark.parametrize("query_string", SELECTIONS)
def test_newest_first_order_equals_sql(query_string):
    browse = BrowseQuery.parse(QueryDict(query_string), dynamic_labels())
    # Ties and undated cases too: the order must break them as the SQL does.
    tied = Case.objects.published().order_by("?")[:6]
    Case.objects.filter(pk__in=[case.pk for case in tied[:3]]).update(
        content_changed_at=tied[3].content_changed_at
    )
    Case.objects.filter(pk__in=[case.pk for case in tied[4:]]).update(content_changed_at=None)
    CatalogueVersion.bump()
    results, counts = current_index().select(
        browse.selected, browse.query, NEWEST_FIRST, with_counts=False
    )
    assert results.ids() == list(sql_reference.newest_first(browse).values_list("pk", flat=True))
    assert counts == {}


def test_index_follows_changes():
    before = current_index()
    assert current_index() is before  # unchanged catalogue: the same index
    case = CaseFactory(title="索引の更新を試す事例")
    case.refresh_index()
    after = current_index()
    assert after is not before
    assert case.pk in after.ids
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    CatalogueVersion.bump()
    assert case.pk not in current_index().ids


def test_publishing_through_save_bumps_the_version():
    token = CatalogueVersion.current()
    case = Case.objects.get(slug="meets")
    case.status = Case.Status.DRAFT
    case.save()
    assert CatalogueVersion.current() != token


def test_empty_catalogue():
    Case.objects.all().delete()
    index = FacetIndex.build(CatalogueVersion.current())
    results, counts = index.select({}, "", "title")
    assert len(results) == 0
    assert results[0:20] == []
    assert counts == {}
    assert index.value_counts("pref", results.bits) == {}  # the map of an empty catalogue


def test_results_are_a_sequence_of_the_cases_in_order():
    """IndexedResults is a Sequence: indexing and iterating give the cases in display order."""
    browse = BrowseQuery.parse(QueryDict("type=commons&sort=-population"), dynamic_labels())
    results, _counts = current_index().select(browse.selected, browse.query, browse.sort_key)
    ids = list(sql_reference.select(browse).values_list("pk", flat=True))
    assert len(ids) > 2
    assert [case.pk for case in results] == ids
    assert [results[at].pk for at in (0, 1, len(ids) - 1)] == [ids[0], ids[1], ids[-1]]


def test_shared_counts_match_the_database():
    index = current_index()
    meets = Case.objects.get(slug="meets")
    keys = list(meets.themes.values_list("key", flat=True))
    positions = list(range(len(index.ids)))
    counts = index.shared_counts("theme", keys, positions)
    for case in Case.objects.published().prefetch_related("themes"):
        shared = len({theme.key for theme in case.themes.all()} & set(keys))
        assert counts.get(index.position[case.pk], 0) == shared, case.slug
    # Only the positions asked about are counted.
    assert index.shared_counts("theme", keys, [index.position[meets.pk]]) == {
        index.position[meets.pk]: len(keys)
    }


def test_options_of_every_case_are_the_factors_its_files_give():
    """A case page's 共通項, read from the index's bits, as common_factors.yaml gives them; a
    factor no published case draws on (an editor's new record) is listed for none."""
    source = CommonFactor.objects.first().source
    CommonFactor.objects.create(
        number=7, name="試験用の共通項", summary="-", source=source, section="-", basis="-"
    )
    CatalogueVersion.bump()
    index = current_index()
    factors = {str(factor.number): str(factor) for factor in CommonFactor.objects.all()}
    for case in Case.objects.published():
        numbers = sorted(oracles._yaml_factors().get(case.slug, ()), key=int)
        expected = [(number, factors[number]) for number in numbers]
        assert index.options_of("factor", case.pk) == expected, case.slug
    assert index.options_of("factor", -1) == []  # not in the index: a draft, say


@pytest.mark.parametrize("query_string", ["", "type=commons&type=local_firm", "q=交通"])
def test_value_counts_of_a_selection_equal_the_files(query_string):
    """How many of the selected cases have each value (the map's prefecture counts)."""
    browse = BrowseQuery.parse(QueryDict(query_string), dynamic_labels())
    index = current_index()
    results, _counts = index.select(browse.selected, browse.query, browse.sort_key)
    slugs = {index.slugs[index.position[case_id]] for case_id in results.ids()}
    files = {slug: oracles.yaml_facets(r) for slug, r in oracles.published_yaml_cases().items()}
    for facet in FACETS:
        expected = {}
        for slug in slugs:
            for param, value in files[slug]:
                if param == facet.param:
                    expected[value] = expected.get(value, 0) + 1
        assert index.value_counts(facet.param, results.bits) == expected, facet.param


def test_choosing_an_option_no_case_has_selects_nothing():
    """An option with no published case (a prefecture without one, say) is a valid choice that
    keeps no case, alone or beside another value of its facet."""
    files = {slug: oracles.yaml_facets(r) for slug, r in oracles.published_yaml_cases().items()}
    in_files = set().union(*files.values())
    labels = dynamic_labels()
    index = current_index()
    empty = [
        (facet.param, value)
        for facet in FACETS
        for value, _label in facet.options(labels)
        if (facet.param, value) not in in_files
    ]
    assert empty  # e.g. prefectures no case is in
    for param, value in empty:
        results, _counts = index.select({param: [value]}, "", "title")
        assert results.ids() == [], (param, value)
        other = next(v for p, v in sorted(in_files) if p == param)
        results, _counts = index.select({param: [value, other]}, "", "title")
        expected = {slug for slug, values in files.items() if (param, other) in values}
        assert {index.slugs[index.position[pk]] for pk in results.ids()} == expected
