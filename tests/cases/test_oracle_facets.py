"""Browse results and option counts against answers worked out without CaseFacet or the index."""

from urllib.parse import urlencode

import pytest
import yaml

from cases.models import Case
from tests import oracles

pytestmark = pytest.mark.django_db

SELECTIONS = [
    [],
    [("type", "commons"), ("type", "industrial_innovation")],
    [("theme", "transport-redesign"), ("scope", "domestic")],
    [("region", "chubu"), ("org", "municipality")],
    [("pop", "lt10k"), ("pop", "gte300k")],
    [("pop", "unknown"), ("region", "chugoku")],
    [("funding", "equity"), ("infra", "digital_platform")],
    [("source", "2019-press-release"), ("hub", "coworking"), ("hub", "resource_discovery")],
    [("pref", "01"), ("theme", "mutual-aid")],
    [("q", "交通")],
    [("q", "地域 ＤＸ"), ("type", "industrial_innovation"), ("type", "commons")],
]


def facet_params(selection):
    return [(param, value) for param, value in selection if param != "q"]


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: urlencode(s) or "none")
def test_every_option_count_equals_the_base_tables(client, selection):
    """Each option's count, and the list itself, as the base tables give them."""
    memberships = oracles.table_facets()
    query = dict(selection).get("q")
    matching = oracles.expected_search(oracles.search_corpus(), query) if query else None
    chosen = facet_params(selection)
    first, slugs = oracles.browse_all(client, selection)

    expected = oracles.expected_counts(memberships, chosen, matching)
    shown = {
        param: {value: n for value, n in options.items() if n}
        for param, options in first.counts.items()
    }
    assert {param: options for param, options in shown.items() if options} == expected
    # A chosen option is shown, as chosen, even when nothing else would keep it.
    for param, value in chosen:
        assert value in first.selected[param], (param, value)
        assert first.counts[param][value] == expected.get(param, {}).get(value, 0)
    # No option is listed with nothing to give unless it is chosen.
    for param, options in first.counts.items():
        for value, n in options.items():
            assert n > 0 or value in first.selected[param], (param, value)
    assert set(slugs) == oracles.expected_selection(memberships, chosen, matching)
    assert len(slugs) == len(set(slugs))


def test_the_selections_are_not_trivial(client):
    """Every selection above keeps some cases and leaves some out, so its checks can fail."""
    memberships = oracles.table_facets()
    corpus = oracles.search_corpus()
    for selection in SELECTIONS[1:]:
        query = dict(selection).get("q")
        matching = oracles.expected_search(corpus, query) if query else None
        kept = oracles.expected_selection(memberships, facet_params(selection), matching)
        assert 0 < len(kept) < len(memberships), selection


def test_fixture_file_facets_equal_the_base_tables():
    """The loaded database holds, for each curated case, exactly the facet values its file
    implies (this module's own prefecture table and population bands)."""
    from_tables = oracles.table_facets()
    from_files = {
        slug: oracles.yaml_facets(record) for slug, record in oracles.published_yaml_cases().items()
    }
    assert set(from_tables) == set(from_files)
    differences = {
        slug: (from_files[slug] - from_tables[slug], from_tables[slug] - from_files[slug])
        for slug in from_files
        if from_files[slug] != from_tables[slug]
    }
    assert differences == {}  # slug: (in the file only, in the tables only)


def test_every_option_lists_the_cases_the_fixture_files_give(client):
    """For every facet value of the curated files, choosing it lists exactly the cases whose
    files have it; and every option the page offers is such a value."""
    from_files = {
        slug: oracles.yaml_facets(record) for slug, record in oracles.published_yaml_cases().items()
    }
    assert Case.objects.published().count() == len(from_files)
    everything = oracles.browse(client)
    offered = {(param, value) for param, options in everything.counts.items() for value in options}
    in_files = set().union(*from_files.values())
    assert offered == in_files
    for param, value in sorted(in_files):
        _, slugs = oracles.browse_all(client, [(param, value)])
        expected = {slug for slug, values in from_files.items() if (param, value) in values}
        assert set(slugs) == expected, (param, value)
        assert everything.counts[param][value] == len(expected), (param, value)


def test_population_unknown_holds_every_case_no_band_holds(client):
    """「人口の記載なし」: the published cases whose files state no municipality's population,
    counted from the YAML fixtures; choosing it lists exactly them."""
    cases = oracles.published_yaml_cases()
    unknown = {slug for slug, record in cases.items() if oracles.yaml_population(record) is None}
    # The three small villages whose documents print no population (issue 13).
    assert {
        "nishiawakura-hyakunen-no-mori",
        "kosuge-village-app",
        "shimokitayama-village",
    } <= unknown
    assert len(unknown) < len(cases)
    first = oracles.browse(client)
    assert first.counts["pop"]["unknown"] == len(unknown)
    _first, slugs = oracles.browse_all(client, [("pop", "unknown")])
    assert set(slugs) == unknown
    # Every case is in a band or here: no case is left out of the facet.
    banded = set()
    for band, _low, _high in oracles.POPULATION_BANDS:
        banded |= set(oracles.browse_all(client, [("pop", band)])[1])
    assert banded | unknown == set(cases)
    assert not banded & unknown


def expected_option_labels():
    """param -> {value: label} as the files and the models' choices name each option; `pop`,
    `scope` and `started` have no label stated outside cases.facets and are left out."""
    from cases.models import (
        CaseType,
        CommonFactor,
        Funding,
        HubType,
        Infrastructure,
        Organization,
        Region,
    )

    def read(name):
        return yaml.safe_load((oracles.FIXTURES / name).read_text(encoding="utf-8"))

    return {
        "type": dict(CaseType.choices),
        "hub": dict(HubType.choices),
        "region": dict(Region.choices),
        "org": dict(Organization.Kind.choices),
        "funding": dict(Funding.Kind.choices),
        "infra": dict(Infrastructure.Kind.choices),
        "kind": dict(Case.Kind.choices),
        "theme": {t["key"]: t.get("short_name") or t["name"] for t in read("themes.yaml")},
        "pref": {code: name for name, (code, _region) in oracles.PREFECTURES.items()},
        "source": {s["key"]: s["short_title"] for s in read("sources.yaml")},
        "in_several_sources": {"1": "複数の資料に掲載"},  # README's parameter table
        "factor": {str(f.number): str(f) for f in CommonFactor.objects.all()},
    }


def test_every_option_is_labelled_as_its_source_names_it(client):
    data = client.get(oracles.BROWSE, {"format": "json"}).json()
    expected = expected_option_labels()
    shown = {
        param: {option["value"]: option["label"] for option in options}
        for param, options in data["facets"].items()
        if param in expected
    }
    assert set(shown) == set(expected)
    for param, options in shown.items():
        assert options, param
        assert options == {value: str(expected[param][value]) for value in options}, param
