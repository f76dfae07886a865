"""cases.indexing: one derive() for every path that indexes a case, and `manage.py reindex`."""

import dataclasses
import functools
import io
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from hypothesis import given
from hypothesis import strategies as st

from cases.facets import FACETS, Facet
from cases.indexing import (
    IndexData,
    OrganizationData,
    PlaceData,
    derive,
    load,
    reading_key,
    refresh,
)
from cases.models import Case, CaseFacet, CatalogueVersion, IndexChange
from tests import oracles

README = Path(__file__).resolve().parents[2] / "README.md"


def test_derive_from_plain_data():
    derived = derive(
        IndexData(
            title="Ｔｅｓｔ 交通の事例",
            summary="要約",
            type_2025="commons",
            theme_keys=["transport-redesign"],
            places=[
                PlaceData("塩尻市", "municipality", "長野県塩尻市", "", "20", "chubu"),
                PlaceData("米国", "foreign", "", "", "", ""),
            ],
            populations=[66_000, 9_000],
            organizations=[
                OrganizationData("試験株式会社", ("試験",), "company", "shiken"),
                OrganizationData("名前だけ", (), "other"),  # no slug yet: no option
            ],
            funding_kinds=["subsidy"],
            funder_slugs=["zaidan"],
            infrastructure=[("transport", "デマンド交通")],
            sources=[("2022-slides", 2022), ("2025-report", 2025)],
        )
    )
    assert derived.search_title == "test 交通の事例"
    assert (
        derived.search_text
        == "test 交通の事例 要約 塩尻市 長野県塩尻市 米国 試験株式会社 試験 名前だけ デマンド交通"
    )
    assert derived.population == 66_000
    assert derived.latest_source_year == 2025
    assert derived.prefecture_code == "20"
    assert derived.facets == sorted(
        [
            ("type", "commons"),
            ("theme", "transport-redesign"),
            ("region", "chubu"),
            ("pref", "20"),
            ("pop", "50k-100k"),
            ("pop", "lt10k"),
            ("org", "company"),
            ("org", "other"),
            # 関係主体: actors and funders alike, by slug.
            ("organization", "shiken"),
            ("organization", "zaidan"),
            ("funding", "subsidy"),
            ("infra", "transport"),
            ("source", "2022-slides"),
            ("source", "2025-report"),
            ("kind", "case"),
            ("scope", "foreign"),
            # Two documents describe it.
            ("in_several_sources", "1"),
        ]
    )


def test_a_case_with_nothing_is_domestic_and_unsorted():
    derived = derive(IndexData(title="題名のみ"))
    assert derived.facets == [("kind", "case"), ("pop", "unknown"), ("scope", "domestic")]
    assert derived.population is None
    assert derived.latest_source_year is None
    assert derived.prefecture_code == ""


def test_the_prefecture_sort_key_is_the_northernmost_place():
    places = [
        PlaceData("塩尻市", "municipality", "長野県塩尻市", "", "20", "chubu"),
        PlaceData("厚真町", "municipality", "北海道厚真町", "", "01", "hokkaido"),
        PlaceData("米国", "foreign", "", "", "", ""),
    ]
    assert derive(IndexData(title="t", places=places)).prefecture_code == "01"


KANA = (
    "ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでと"
    "どなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑ"
    "をんゔゕゖー \u3000"
)


@given(st.lists(st.text(alphabet=KANA, max_size=8), min_size=2, max_size=20))
def test_readings_sort_as_the_oracle_sorts_them(readings):
    """cases.indexing.reading_key against the oracle's own reading of Unicode names."""
    assert sorted(readings, key=reading_key) == sorted(readings, key=oracles.gojuon_key)
    for reading in readings:
        assert reading_key(reading) == oracles.gojuon_key(reading)


def test_dictionary_order_not_code_points():
    # Voicing, small kana and the long mark decide only between otherwise equal readings.
    assert sorted(["がか", "かき", "かか"], key=reading_key) == ["かか", "がか", "かき"]
    assert sorted(["こーひー", "こうえん", "こおり"], key=reading_key) == [
        "こうえん",
        "こーひー",
        "こおり",
    ]
    assert sorted(["きっと", "きつね", "きつ"], key=reading_key) == ["きつ", "きっと", "きつね"]


def test_every_facet_class_is_registered_once():
    assert len({facet.param for facet in FACETS}) == len(FACETS)
    assert {type(facet) for facet in FACETS} == set(Facet.__subclasses__())


def test_the_readme_lists_every_facet_parameter():
    table = README.read_text(encoding="utf-8").split("## Browsing, search", 1)[1]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))
    assert {facet.param for facet in FACETS} <= documented
    # Parameters that are not facets: the search, the order, the page, the format and the view
    # (the near/km row names two parameters, so this pattern does not read it).
    assert documented - {facet.param for facet in FACETS} == {"q", "sort", "page", "format", "view"}


@pytest.mark.django_db
def test_reindex_restores_what_refresh_index_writes():
    before = {
        case.pk: (case.search_text, case.search_title, case.population, case.latest_source_year)
        for case in Case.objects.all()
    }
    facets_before = sorted(CaseFacet.objects.values_list("case_id", "facet", "value"))
    CaseFacet.objects.all().delete()
    Case.objects.update(search_text="", search_title="", population=None, latest_source_year=None)
    out = io.StringIO()
    call_command("reindex", "--batch-size", "10", stdout=out)
    assert f"Reindexed {len(before)} cases." in out.getvalue()
    after = {
        case.pk: (case.search_text, case.search_title, case.population, case.latest_source_year)
        for case in Case.objects.all()
    }
    assert after == before
    assert sorted(CaseFacet.objects.values_list("case_id", "facet", "value")) == facets_before


@pytest.mark.django_db
def test_reindex_names_unknown_slugs():
    with pytest.raises(CommandError, match="no-such-case"):
        call_command("reindex", "meets", "no-such-case", stdout=io.StringIO())
    with pytest.raises(CommandError, match="batch-size"):
        call_command("reindex", "--batch-size", "0", stdout=io.StringIO())


# derive() on every curated case, without the database ----------------------------------------
# The input is built from the case's YAML file (as indexing.load() builds it from the tables);
# the expected answer is tests.oracles' reading of the same file by the README's rules, which
# uses neither cases.indexing nor cases.facets. No database: a mutant of derive() or of a facet
# is caught here even where the test database's catalogue was derived before it (mutation runs
# keep one database for every mutant, docs/mutation.md).

CODE_TO_PREFECTURE = {code: name for name, (code, _region) in oracles.PREFECTURES.items()}


@functools.cache
def organizations_by_name():
    records = yaml.safe_load((oracles.FIXTURES / "organizations.yaml").read_text("utf-8"))
    return {record["name"]: record for record in records}


def index_data_of(record):
    """IndexData of a case file, its relations looked up in the other fixture files."""
    printed_under = oracles.yaml_cases().get(record.get("reference_of") or "", {})
    places, municipal = [], set()
    for place in record.get("places") or []:
        prefecture, code = place.get("prefecture") or "", ""
        if prefecture:
            code = oracles.PREFECTURES[prefecture][0]
        elif place.get("lg_code"):
            code = str(place["lg_code"])[:2]
        municipality = ""
        if place.get("lg_code"):  # as the site names a municipality: 長野県塩尻市
            municipality = CODE_TO_PREFECTURE[str(place["lg_code"])[:2]] + place["name"]
        if place["kind"] == "municipality":
            municipal.add(place["name"])
        places.append(
            PlaceData(
                name=place["name"],
                kind=place["kind"],
                municipality=municipality,
                prefecture=prefecture,
                prefecture_code=code,
                region=oracles.REGION_OF_CODE.get(code, ""),
            )
        )
    populations = [
        oracles.people(figure.get("value"), figure.get("unit"))
        for figure in record.get("figures") or []
        if figure["kind"] == "population" and figure.get("place") in municipal
    ]
    organizations = organizations_by_name()
    years = oracles._source_years()
    return IndexData(
        title=record["title"],
        summary=record.get("summary") or "",
        description=record.get("description") or "",
        approach=record.get("approach") or "",
        type_2025=record.get("type_2025") or "",
        hub_type_2019=record.get("hub_type_2019") or "",
        start_year=record.get("start_year"),
        kind=record.get("kind") or "case",
        reference_type_2025=printed_under.get("type_2025") or "",
        factor_numbers=sorted(int(n) for n in oracles._yaml_factors().get(record["slug"], ())),
        theme_keys=list(record.get("themes") or []),
        places=places,
        populations=[people for people in populations if people is not None],
        organizations=[
            OrganizationData(
                name,
                tuple(organizations[name].get("aliases") or ()),
                organizations[name]["kind"],
                organizations[name]["slug"],
            )
            for name in (actor["organization"] for actor in record.get("actors") or [])
        ],
        funding_kinds=[row["kind"] for row in record.get("funding") or []],
        funder_slugs=[
            organizations[row["provider"]]["slug"]
            for row in record.get("funding") or []
            if row.get("provider")
        ],
        infrastructure=[(row["kind"], row["name"]) for row in record.get("infrastructure") or []],
        sources=[(row["source"], years[row["source"]]) for row in record.get("citations") or []],
    )


def searchable(data):
    """What search promises to cover, in the detail page's order (oracles.searchable_fields)."""
    fields = [data.title, data.summary, data.description, data.approach]
    for place in data.places:
        fields += [place.name, place.municipality, place.prefecture]
    for organization in data.organizations:
        fields += [organization.name, *organization.aliases]
    fields += [name for _kind, name in data.infrastructure]
    return oracles.fold(" ".join(fields))


@pytest.mark.parametrize("slug", sorted(oracles.yaml_cases()))
def test_derive_gives_each_curated_case_what_its_file_implies(slug):
    record = oracles.yaml_cases()[slug]
    data = index_data_of(record)
    derived = derive(data)
    assert derived.facets == sorted(oracles.yaml_facets(record))
    assert derived.population == oracles.yaml_population(record)
    assert derived.latest_source_year == oracles.yaml_latest_source_year(record)
    assert derived.search_title == oracles.fold(record["title"])
    assert derived.search_text == searchable(data)


def comparable(data):
    """IndexData with what a case file cannot tell left out: the order of its themes (load()
    gives them by theme), and a place's municipality and own prefecture as the site names them
    (the file has an LG code, and omits a prefecture that follows from the municipality)."""
    return dataclasses.replace(
        data,
        theme_keys=sorted(data.theme_keys),
        places=[(p.name, p.kind, p.prefecture_code, p.region) for p in data.places],
    )


@pytest.mark.django_db
def test_load_reads_what_the_files_hold_in_nine_queries(django_assert_num_queries):
    """indexing.load() gives each case the IndexData its file gives (index_data_of), in the
    nine queries its docstring promises, however many cases."""
    slugs = dict(Case.objects.values_list("pk", "slug"))
    with django_assert_num_queries(9):
        loaded = load(list(slugs))
    assert set(loaded) == set(slugs)
    differences = {}
    for pk, data in loaded.items():
        found, expected = (
            comparable(data),
            comparable(index_data_of(oracles.yaml_cases()[slugs[pk]])),
        )
        if found != expected:
            differences[slugs[pk]] = {
                name: (getattr(found, name), getattr(expected, name))
                for name in vars(expected)
                if getattr(found, name) != getattr(expected, name)
            }
    assert differences == {}  # slug: {field: (loaded, from the file)}
    # Each place's municipality and prefecture as the site names them, "" when it has none.
    for pk, data in loaded.items():
        rows = oracles.yaml_cases()[slugs[pk]].get("places") or []
        for place, row in zip(data.places, rows, strict=True):
            code = str(row.get("lg_code") or "")
            assert place.municipality.startswith(CODE_TO_PREFECTURE[code[:2]] if code else ""), pk
            assert bool(place.municipality) == bool(code), (slugs[pk], place)
            assert place.prefecture in {row.get("prefecture", ""), CODE_TO_PREFECTURE.get(code[:2])}


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [4, 5, 6])
def test_refresh_tells_running_processes_what_changed(batch_size):
    """Five cases refreshed: within one batch (a batch of five or more) the change names each
    case, so processes apply just those; over several batches, one change names none, so
    they rebuild. Either way the catalogue gets a new version."""
    ids = sorted(Case.objects.published().values_list("pk", flat=True))[:5]
    token, last = CatalogueVersion.current(), IndexChange.objects.aggregate(last=Max("pk"))["last"]
    assert refresh(Case.objects.filter(pk__in=ids), batch_size=batch_size) == 5
    changes = list(IndexChange.objects.filter(pk__gt=last or 0).values_list("case_pk", flat=True))
    if batch_size >= 5:
        assert sorted(changes) == ids
    else:
        assert changes == [None]
    assert CatalogueVersion.current() != token
