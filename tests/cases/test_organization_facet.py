"""The 関係主体 facet (`organization`): the organisations a case names as actor or as funder.

Counts and selections are checked against the base tables (Actor and Funding rows, read here)
and the YAML files, never against CaseFacet.
"""

import csv
import io
import random
import re
from collections import Counter
from urllib.parse import quote

import pytest
from django.urls import reverse

from cases.facets.index import MEMBERS_FRACTION, current_index
from cases.models import Actor, Case, Funding, Organization
from cases.views.organization import published_case_count
from tests import oracles
from tests.factories import CaseFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")
FACET = "organization"
KDDI = "KDDI株式会社"  # organizations.yaml: also written 「KDDI」 and 「KDDI 株式会社」


def organizations_by_case():
    """slug of each published case -> the slugs of the organisations it names, from the rows."""
    named = {slug: set() for slug in Case.objects.published().values_list("slug", flat=True)}
    published = {"case__status": Case.Status.PUBLISHED}
    for case, organization in Actor.objects.filter(**published).values_list(
        "case__slug", "organization__slug"
    ):
        named[case].add(organization)
    for case, organization in Funding.objects.filter(
        provider__isnull=False, **published
    ).values_list("case__slug", "provider__slug"):
        named[case].add(organization)
    return named


def counted(named, cases):
    return dict(Counter(slug for case in cases for slug in named[case]))


def slug_of(name):
    return Organization.objects.get(name=name).slug


def yaml_cases_naming(name):
    """The published cases whose file names the organisation (by its name) as actor or funder."""
    return {
        slug
        for slug, record in oracles.published_yaml_cases().items()
        if name in [actor["organization"] for actor in record.get("actors") or []]
        or name in [row.get("provider") for row in record.get("funding") or []]
    }


@pytest.mark.parametrize(
    "selection",
    [[], [("theme", "transport-redesign")], [("region", "chubu"), ("org", "company")]],
    ids=["all", "theme", "region-and-kind"],
)
def test_option_counts_equal_the_actor_and_funding_rows(client, selection):
    named = organizations_by_case()
    chosen = oracles.expected_selection(oracles.table_facets(), selection)
    shown = oracles.browse(client, selection)
    assert shown.counts[FACET] == counted(named, chosen)
    assert len(shown.counts[FACET]) > 10  # more than the page shows: the JSON lists them all


def test_option_counts_equal_the_organisation_pages(client):
    """The facet counts what /organizations/ counts, for every organisation it lists."""
    listed = dict(
        Organization.objects.public().annotate(n=published_case_count()).values_list("slug", "n")
    )
    assert oracles.browse(client).counts[FACET] == listed


def test_choosing_kddi_lists_exactly_the_cases_naming_it(client):
    expected = yaml_cases_naming(KDDI)
    assert len(expected) >= 2  # 伊那市 and KDDI's own case: the check can fail
    first, slugs = oracles.browse_all(client, [(FACET, slug_of(KDDI))])
    assert set(slugs) == expected
    assert first.selected[FACET] == {slug_of(KDDI)}


def test_several_organisations_are_any_of_them(client):
    named = organizations_by_case()
    busiest = Counter(slug for slugs in named.values() for slug in slugs).most_common(2)
    (first, _), (second, _) = busiest
    expected = {case for case, slugs in named.items() if {first, second} & slugs}
    assert expected > {case for case, slugs in named.items() if first in slugs}
    _, slugs = oracles.browse_all(client, [(FACET, first), (FACET, second)])
    assert set(slugs) == expected


def test_the_json_and_the_csv_of_the_selection_agree(client):
    params = [(FACET, slug_of(KDDI)), ("sort", "title")]
    _, json_slugs = oracles.browse_all(client, params)
    response = client.get(BROWSE, [*params, ("format", "csv")])
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert (
        [row[0] for row in rows[1:]]
        == json_slugs
        == sorted(yaml_cases_naming(KDDI), key=lambda slug: Case.objects.get(slug=slug).title)
    )


@pytest.mark.parametrize("typed", ["KDDI", "ｋｄｄｉ", "KDDI 株式会社", "kddi株式会社"])
def test_a_typed_name_or_other_spelling_selects_the_organisation(client, typed):
    data = client.get(BROWSE, {FACET: typed, "format": "json"}).json()
    assert data["notices"] == []
    assert oracles.read_browse(data).selected[FACET] == {slug_of(KDDI)}
    assert data["count"] == len(yaml_cases_naming(KDDI))


def test_unknown_values_get_a_notice_and_select_nothing(client):
    everything = oracles.browse(client)
    data = client.get(BROWSE, {FACET: "存在しない組織", "format": "json"}).json()
    assert data["count"] == everything.count
    assert data["notices"] == ["「関係主体」に 存在しない組織 という値はないため、無視しました。"]
    page = client.get(BROWSE, {FACET: "存在しない組織"})
    assert page.status_code == 200
    assert "存在しない組織 という値はない" in page.content.decode()


def test_the_empty_text_box_is_no_value(client):
    data = client.get(BROWSE, [(FACET, ""), (FACET, "  "), ("format", "json")]).json()
    assert data["notices"] == []
    assert data["count"] == oracles.browse(client).count


def test_a_spelling_two_organisations_share_names_neither(client):
    OrganizationFactory(name="甲試験株式会社", aliases=["共有表記"])
    OrganizationFactory(name="乙試験株式会社", aliases=["共有表記"])
    data = client.get(BROWSE, {FACET: "共有表記", "format": "json"}).json()
    assert len(data["notices"]) == 1
    assert "共有表記" in data["notices"][0]


def test_a_funder_that_is_no_actor_is_an_option(client):
    case = CaseFactory()
    funder = OrganizationFactory(name="資金だけ出す財団")
    citation = Case.objects.exclude(pk=case.pk).first().citations.first()
    Funding.objects.create(
        case=case,
        kind=Funding.Kind.DONATION,
        provider=funder,
        source=citation.source,
        section=citation.section,
    )
    case.refresh_index()
    _, slugs = oracles.browse_all(client, [(FACET, funder.slug)])
    assert slugs == [case.slug]


def test_a_new_slug_finds_the_same_cases(client):
    kddi = Organization.objects.get(name=KDDI)
    before = set(oracles.browse_all(client, [(FACET, kddi.slug)])[1])
    kddi.slug = "kddi"
    kddi.save()
    assert set(oracles.browse_all(client, [(FACET, "kddi")])[1]) == before


def test_the_page_shows_the_largest_ten_and_the_chosen(client):
    named = organizations_by_case()
    counts = counted(named, named)
    least = min(counts, key=lambda slug: (counts[slug], slug))
    html = client.get(BROWSE, {FACET: least}).content.decode()
    group = html[html.index('id="facet-organization"') :]
    group = group[: group.index("</details>")]
    shown = re.findall(r'name="organization" value="([^"]+)"', group)
    tenth = sorted(counts.values(), reverse=True)[9]
    assert len(shown) == 11
    assert shown[-1] == least
    assert all(counts[slug] >= tenth for slug in shown[:10])
    assert [counts[slug] for slug in shown[:10]] == sorted(
        (counts[slug] for slug in shown[:10]), reverse=True
    )
    assert 'id="organization-name"' in group  # the text box for all the others
    assert reverse("cases:organizations") in group


def test_the_organisation_pages_link_to_their_cases(client):
    """/organizations/ and each organisation's page link to the browse page filtered by it."""
    kddi = Organization.objects.get(name=KDDI)
    link = f"{BROWSE}?organization={quote(kddi.slug)}"
    assert link in client.get(reverse("cases:organizations"), {"q": "KDDI"}).content.decode()
    assert link in client.get(kddi.get_absolute_url()).content.decode()


def test_autocomplete_suggests_names_and_other_spellings(client):
    url = reverse("cases:organization_autocomplete")
    results = client.get(url, {"q": "ｋｄｄ"}).json()["results"]
    assert [item["name"] for item in results] == [KDDI]
    assert results[0]["count"] == len(yaml_cases_naming(KDDI))
    empty = client.get(url, {"q": " "}).json()
    assert empty["results"] == []
    assert empty["message"]
    # Every organisation whose name or other spelling holds 市, those starting with it first.
    found = client.get(url, {"q": "市"}).json()["results"]
    assert 0 < len(found) <= 20
    for item in found:
        organization = Organization.objects.get(slug=item["slug"])
        assert any("市" in spelling for spelling in [organization.name, *organization.aliases])
    starts = [any(s.startswith("市") for s in [item["name"]]) for item in found]
    assert starts == sorted(starts, reverse=True)


def test_the_overview_charts_the_largest_organisations_only(client):
    overview = reverse("cases:case_overview")
    data = client.get(overview, {"format": "json"}).json()
    chart = next(chart for chart in data["charts"] if chart["param"] == FACET)
    assert len(chart["options"]) == 10
    refused = client.get(overview, {"row1": FACET, "col1": "region", "format": "json"}).json()
    assert refused["crosstabs"][0]["rows"]["param"] == "theme"
    assert any(FACET in notice for notice in refused["notices"])


@pytest.mark.parametrize(
    "size", [1, 5, 20, 40, -3, 0], ids=lambda n: f"all-but-{-n}" if n <= 0 else n
)
def test_counts_of_any_selection_size_equal_the_rows(size):
    """Small, middling, nearly whole and whole selections are counted in different ways
    (FacetIndex.many_counts); each gives the counts of the Actor and Funding rows, in full for
    the JSON, and for a page the same largest ten and chosen ones."""
    index = current_index()
    named = organizations_by_case()
    rng = random.Random(size)  # noqa: S311 (test data)
    whole = len(index.ids)
    # At most a tenth: by position; all but a tenth: by those left out; else the ANDs.
    assert 5 * MEMBERS_FRACTION <= whole < 20 * MEMBERS_FRACTION
    positions = rng.sample(range(whole), size if size > 0 else whole + size)
    bits = index.ids_mask([index.ids[at] for at in positions])
    cases = [index.slugs[at] for at in positions]
    expected = counted(named, cases)
    assert index.many_counts(FACET, bits) == expected
    chosen = sorted(expected, key=lambda slug: (expected[slug], slug))[:1]
    partial = index.many_counts(FACET, bits, top=10, chosen=chosen)
    assert set(partial.items()) <= set(expected.items())
    for slug in chosen:
        assert partial[slug] == expected[slug]

    def largest(counts):
        return sorted(counts.values(), reverse=True)[:10]

    assert largest(partial) == largest(expected)
    # Every value that ties with the tenth is counted, so the page's tie-break holds.
    if len(expected) > 10:
        tenth = largest(expected)[-1]
        assert {s for s, n in partial.items() if n >= tenth} == {
            s for s, n in expected.items() if n >= tenth
        }


def test_many_typed_values_cost_a_few_queries(client, django_assert_max_num_queries):
    """Each typed name costs a query or two: only the first few are looked up."""
    client.get(BROWSE, {"format": "json"})  # the index is built
    junk = [(FACET, f"存在しない組織{n}") for n in range(200)]
    with django_assert_max_num_queries(30):
        data = client.get(BROWSE, [*junk, (FACET, "KDDI"), ("format", "json")]).json()
    assert len(data["notices"]) == 1  # one notice for the facet, quoting the first five
    assert oracles.read_browse(data).selected[FACET] == set()
