"""The 2025 report's 共通項 (4.(3)): the records, their one group of cases, and the pages."""

import pytest
from django.urls import reverse

from cases.models import Case, CommonFactor
from tests.cases.test_data_integrity import CLASSIFICATION_2025

pytestmark = pytest.mark.django_db

# 4.(1)–(2)'s cases, and the two 参考事例 printed within 4.(1)③ (docs/data-plan.md §4).
REPORT_CHAPTER_4 = set().union(*CLASSIFICATION_2025.values()) | {"nasucon-valley", "co-shiga"}


def test_six_factors_as_printed_each_drawn_from_the_chapter_4_cases():
    factors = list(CommonFactor.objects.select_related("source"))
    assert [f.number for f in factors] == [1, 2, 3, 4, 5, 6]
    assert factors[0].name == "住民・地域コミュニティの積極的な参画と「共助」・「共創」文化の醸成"
    assert factors[5].name == "地域の特性と課題に応じたアプローチ"
    for factor in factors:
        assert (factor.source.key, factor.section, factor.page) == ("2025-report", "4.(3)", "52")
        assert set(factor.cases.values_list("slug", flat=True)) == REPORT_CHAPTER_4
        # The report ties no factor to one case; the record says so.
        assert "個々の事例には結びつけていない" in factor.basis


def test_the_page_lists_the_factors_and_their_group_of_cases_once(client):
    body = client.get(reverse("cases:common_factors")).content.decode()
    for factor in CommonFactor.objects.all():
        assert f'id="factor-{factor.number}"' in body
        assert factor.summary in body
    assert body.count(reverse("cases:case_detail", args=["meets"])) == 1
    assert "導出元の事例群（①②③④⑤⑥、16件）" in body


def test_a_draft_is_not_listed_among_a_factors_cases(client):
    Case.objects.filter(slug="meets").update(status=Case.Status.DRAFT)
    body = client.get(reverse("cases:common_factors")).content.decode()
    assert reverse("cases:case_detail", args=["meets"]) not in body
    assert "15件" in body


def test_a_case_page_shows_the_factors_of_its_group_and_says_how_they_relate(client):
    body = client.get(reverse("cases:case_detail", args=["kddi"])).content.decode()
    assert "この事例を含む事例群から報告書が導いた共通項" in body
    assert "①住民・地域コミュニティの積極的な参画" in body
    assert "個々の事例とは結びつけていません" in body
    other = client.get(reverse("cases:case_detail", args=["wajima-kabulet"])).content.decode()
    assert "報告書が導いた共通項" not in other


def test_the_factor_facet_finds_the_group(client):
    data = client.get(reverse("cases:case_list"), {"factor": "3", "format": "json"}).json()
    assert data["count"] == len(REPORT_CHAPTER_4)
    assert {row["slug"] for row in data["results"]} <= REPORT_CHAPTER_4
    detail = client.get(reverse("cases:case_detail", args=["kddi"]), {"format": "json"}).json()
    assert [f["number"] for f in detail["common_factors"]] == [1, 2, 3, 4, 5, 6]
