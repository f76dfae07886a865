"""cases.indexing: one derive() for every path that indexes a case, and `manage.py reindex`."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from cases.facets import FACETS, Facet
from cases.indexing import IndexData, OrganizationData, PlaceData, derive, reading_key
from cases.models import Case, CaseFacet
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
