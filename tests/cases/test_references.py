"""Case kinds, 参考事例 links, text-only figures and a 2018 sheet's own 出典."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, Citation, KeyFigure
from tests.factories import CaseFactory, KeyFigureFactory

pytestmark = pytest.mark.django_db


def test_the_reference_cases_keep_their_own_type_blank_and_are_found_under_sundreds(client):
    for slug, label in (("nasucon-valley", "参考事例①"), ("co-shiga", "参考事例②")):
        case = Case.objects.get(slug=slug)
        assert (case.reference_of.slug, case.reference_label, case.type_2025) == (
            "sundred",
            label,
            "",
        )
    data = client.get(
        reverse("cases:case_list"), {"type": "industrial_innovation", "format": "json"}
    )
    slugs = {row["slug"] for row in data.json()["results"]}
    assert slugs == {
        "sundred",
        "ina-city",
        "obihiro-city",
        "shiojiri-city",
        "nasucon-valley",
        "co-shiga",
    }


def test_both_pages_name_the_link(client):
    page = client.get(reverse("cases:case_detail", args=["nasucon-valley"])).content.decode()
    assert "の参考事例①として掲げている" in page
    assert reverse("cases:case_detail", args=["sundred"]) in page
    sundred = client.get(reverse("cases:case_detail", args=["sundred"])).content.decode()
    assert "報告書がこの事例に添えて掲げる参考事例" in sundred
    assert reverse("cases:case_detail", args=["co-shiga"]) in sundred


def test_a_reference_of_a_reference_is_refused():
    nasucon = Case.objects.get(slug="nasucon-valley")
    case = CaseFactory.build(slug="x-case", reference_of=nasucon, reference_label="参考事例③")
    with pytest.raises(ValidationError, match="参考事例でない別の事例"):
        case.full_clean()


def test_kind_filters_and_shows_on_the_list(client):
    data = client.get(reverse("cases:case_list"), {"kind": "scheme", "format": "json"}).json()
    assert {row["slug"] for row in data["results"]} == {
        "mapso-meti",
        "noson-rmo",
        "deji-katsu-chusankan",
    }
    body = client.get(reverse("cases:case_list"), {"kind": "reference"}).content.decode()
    assert "参考モデル・概念" in body


def test_text_only_figures_have_no_value_and_the_database_refuses_one():
    text_only = KeyFigure.objects.filter(text_only=True)
    assert sorted(text_only.values_list("as_printed", flat=True)) == sorted(
        ["千人以上", "2/3以上", "官：民＝1：9", "1市3町10村", "1時間15分"]
    )
    assert not text_only.exclude(value=None).exists()
    figure = KeyFigureFactory(printed_value="", as_printed="1：9", qualifier="", text_only=True)
    figure.printed_value = "9"
    with pytest.raises(ValidationError, match="表記のみ"):
        figure.full_clean()


def test_the_value_is_the_printed_number_and_the_decimal_follows_it():
    area = KeyFigure.objects.get(case__slug="aizuwakamatsu-city", as_printed="383.0km²")
    assert (area.printed_value, area.value) == ("383.0", Decimal("383"))
    figure = KeyFigureFactory(printed_value="14.5", unit="万人", as_printed="約14.5万人")
    assert figure.value == Decimal("14.5")
    assert figure.people == 145000
    figure.printed_value = "14,5"
    with pytest.raises(ValidationError, match="半角数字"):
        figure.full_clean()


def test_a_2018_sheet_citation_quotes_the_sheets_own_origin(client):
    citation = Citation.objects.get(case__slug="kochi-shuraku-katsudo-center")
    assert citation.origin_as_printed == "｢集落活動を支える 小さな拠点づくり｣ 梼原町資料抜粋"
    assert citation.citation_line().endswith(
        "（出典：｢集落活動を支える 小さな拠点づくり｣ 梼原町資料抜粋）"
    )
    assert (
        Citation.objects.exclude(origin_as_printed="")
        .filter(source__key="2018-case-sheets")
        .count()
        == 8
    )
    assert (
        not Citation.objects.exclude(origin_as_printed="")
        .exclude(source__key="2018-case-sheets")
        .exists()
    )
    page = client.get(reverse("cases:case_detail", args=["kochi-shuraku-katsudo-center"]))
    assert "梼原町資料抜粋）" in page.content.decode()
