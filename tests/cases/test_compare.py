"""The comparison page: two to four cases side by side, added by search, removed by link."""

from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from cases.models import Case, KeyFigure, SourceDocument
from tests import oracles

pytestmark = pytest.mark.django_db

COMPARE = reverse("cases:compare")


def compared_titles(response):
    return [case.title for case in response.context["cases"]]


def test_cases_are_set_side_by_side_with_their_figures_and_sources(client):
    response = client.get(COMPARE, [("case", "meets"), ("case", "local-energy")])
    assert response.status_code == 200
    meets, local_energy = Case.objects.get(slug="meets"), Case.objects.get(slug="local-energy")
    assert compared_titles(response) == [meets.title, local_energy.title]
    body = response.content.decode()
    for case in (meets, local_energy):
        for figure in KeyFigure.objects.filter(case=case):
            assert figure.as_printed in body, figure
        # Each citation's section with its heading and page (oracle: the fixture files).
        for row in oracles.yaml_cases()[case.slug]["citations"]:
            short_title = SourceDocument.objects.get(key=row["source"]).short_title
            assert f"{short_title} {oracles.yaml_section_display(row)}" in body
    assert "共同体（コモンズ）形成型" in body


def test_query_count_does_not_grow_with_the_cases_compared(client, django_assert_max_num_queries):
    slugs = list(Case.objects.published().values_list("slug", flat=True)[:4])
    with django_assert_max_num_queries(12) as two:
        client.get(COMPARE, [("case", slug) for slug in slugs[:2]])
    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get(COMPARE, [("case", slug) for slug in slugs])
    assert len(response.context["cases"]) == 4


def test_unknown_duplicate_and_surplus_cases_are_set_aside_with_a_notice(client):
    slugs = ["meets", "meets", "no-such-case", "sundred", "kddi", "softbank", "village-house"]
    response = client.get(COMPARE, [("case", slug) for slug in slugs])
    assert [case.slug for case in response.context["cases"]] == [
        "meets",
        "sundred",
        "kddi",
        "softbank",
    ]
    notices = " ".join(response.context["notices"])
    assert "no-such-case" in notices
    assert "4件まで" in notices


def test_unknown_slugs_do_not_crowd_out_real_ones(client):
    slugs = [f"no-such-case-{n}" for n in range(10)] + ["meets", "sundred"]
    response = client.get(COMPARE, [("case", slug) for slug in slugs])
    assert [case.slug for case in response.context["cases"]] == ["meets", "sundred"]


def test_draft_cases_cannot_be_compared(client):
    Case.objects.filter(slug="meets").update(status=Case.Status.DRAFT)
    response = client.get(COMPARE, [("case", "meets"), ("case", "sundred")])
    assert [case.slug for case in response.context["cases"]] == ["sundred"]


def test_search_offers_cases_to_add_and_links_keep_the_selection(client):
    response = client.get(COMPARE, [("case", "meets"), ("q", "交通")])
    candidates = response.context["candidates"]
    assert candidates
    for candidate in candidates:
        added = parse_qs(candidate["add"])["case"]
        assert added[0] == "meets"
        assert len(added) == 2
        assert added[1] != "meets"
    # The same cases, in the same order, as the browse page's search, less the one compared.
    searched = client.get(reverse("cases:case_list"), {"q": "交通", "format": "json"}).json()
    titles = [item["title"] for item in searched["results"] if item["slug"] != "meets"]
    assert [candidate["title"] for candidate in candidates] == titles[: len(candidates)]


def test_remove_link_keeps_the_other_cases(client):
    response = client.get(COMPARE, [("case", "meets"), ("case", "sundred"), ("case", "kddi")])
    sundred = response.context["cases"][1]
    assert parse_qs(sundred.remove_query)["case"] == ["meets", "kddi"]


def test_an_empty_comparison_explains_what_to_do(client):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert "2件から4件" in response.content.decode()


def test_hostile_input_is_escaped(client):
    response = client.get(COMPARE, [("case", "<script>alert(1)</script>"), ("q", "<img src=x>")])
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "<img src=x>" not in body


def test_browse_results_can_be_ticked_for_comparison(client):
    body = client.get(reverse("cases:case_list"), {"type": "commons"}).content.decode()
    assert 'id="compare-form"' in body
    assert 'name="case" value="meets" form="compare-form"' in body


def test_case_page_links_to_a_comparison_starting_with_it(client):
    body = client.get(reverse("cases:case_detail", args=["meets"])).content.decode()
    assert f"{COMPARE}?case=meets" in body
