"""cases.differences: what changed between the documents that describe one case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def detail(client, slug):
    response = client.get(reverse("cases:case_detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    return response


def test_ina_city_shows_the_population_pair_with_both_dates(client):
    response = detail(client, "ina-city")
    differences = response.context["differences"]
    assert [source.key for source in differences.sources] == ["2022-slides", "2025-report"]
    population = [pair for pair in differences.figure_pairs if pair["label"] == "人口"]
    assert len(population) == 1
    earlier, later = population[0]["by_source"]
    assert [(f.as_printed, f.as_of_or_undated) for f in earlier] == [("6.6万人", "R4")]
    assert [(f.as_printed, f.as_of_or_undated) for f in later] == [
        ("約 6.5 万人", "時点の記載なし")
    ]
    html = response.content.decode()
    section = html[html.index('id="differences-title"') :]
    section = section[: section.index("</section>")]
    assert "6.6万人" in section
    assert "約 6.5 万人" in section
    assert "R4" in section
    # No trend is claimed from two figures the documents date differently.
    assert not any(word in section for word in ("減少", "増加", "減った", "増えた"))


def test_ina_city_lists_the_organisations_only_one_document_names(client):
    differences = detail(client, "ina-city").context["differences"]
    earlier, later = differences.only_in
    assert earlier.source.key == "2022-slides"
    assert [organization.name for organization in earlier.organizations] == ["三菱総研"]
    later_names = {organization.name for organization in later.organizations}
    assert {"林野庁", "長野県", "トヨタ車体"} <= later_names
    assert "三菱総研" not in later_names
    assert {row.name for row in earlier.infrastructure} == {
        "ケーブルテレビを活用したリクエストシステム",
        "ドローン配送",
    }
    assert [item["body"] for item in earlier.milestones] == [
        "伊那市新産業技術推進協議会が6部会（アドバンスト物流、インテリジェント交通、スマート工業、"
        "サステナブル環境、デジタル行政、コネクテッド保健福祉）で構成される体制となる"
    ]
    assert [row.get_kind_display() for row in later.funding] == ["ライセンス料"]
    assert ("類型（2025年報告書）", "産業イノベーション創出型") in [
        (str(label), value) for label, value in differences.classifications
    ]


def test_a_case_one_document_describes_has_no_such_section(client):
    response = detail(client, "meets")
    assert response.context["differences"] is None
    assert "資料による記載の違い" not in response.content.decode()


def test_the_section_costs_the_detail_page_no_query(client, settings):
    # The same page without the section would run the same queries: it reads prefetched rows.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = reverse("cases:case_detail", kwargs={"slug": "ina-city"})
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert "資料による記載の違い" in response.content.decode()
    assert len(queries.captured_queries) <= 11
