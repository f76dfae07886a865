"""What policy staff hit first (issue 13): citations, themes, paging, empty searches, errors."""

import json

import pytest
from django.db.models import Q
from django.urls import reverse

from cases.models import Case, Citation, Organization, Theme
from cases.text import normalize
from tests.factories import (
    ActorFactory,
    CaseFactory,
    CitationFactory,
    OrganizationFactory,
    SourceDocumentFactory,
)

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")


def detail(client, slug):
    response = client.get(reverse("cases:case_detail", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


# 1 and 3: citations -------------------------------------------------------------------------


def test_citation_line_is_wrapped_text_with_the_whole_line(client):
    body = detail(client, "ina-city")
    lines = [c.citation_line() for c in Citation.objects.filter(case__slug="ina-city")]
    assert len(lines) >= 3
    assert len(set(lines)) == len(lines), "two citations of one case read the same"
    for line in lines:
        assert '<p class="cite-line" id="cite-' in body
        assert f">{line}</p>" in body
    assert 'class="cite-line" type="text"' not in body  # no single-line field that cuts it off


def test_citation_shows_the_documents_url_and_page_when_recorded(client):
    source = SourceDocumentFactory(url="https://www.mlit.go.jp/example/report.pdf")
    case = CaseFactory()
    CitationFactory(case=case, source=source, section="2.(3)", page="17")
    body = detail(client, case.slug)
    assert 'href="https://www.mlit.go.jp/example/report.pdf"' in body
    assert "p.17" in body
    # and a document without a URL gets no link
    bare = SourceDocumentFactory()
    other = CaseFactory()
    CitationFactory(case=other, source=bare, section="1")
    assert "資料を開く" not in detail(client, other.slug)


# 10: one theme name everywhere --------------------------------------------------------------


def test_theme_shows_its_short_name_everywhere_with_the_full_name_as_description(client):
    theme = Theme.objects.get(key="digital-infrastructure")
    assert theme.label == theme.short_name != theme.name
    case = Case.objects.published().filter(themes=theme).first()
    body = detail(client, case.slug)
    assert f">{theme.label}</a>" in body
    assert f'title="資料での名称：{theme.name}"' in body
    assert f">{theme.name}<" not in body

    browse = json.loads(client.get(BROWSE, {"theme": theme.key, "format": "json"}).content)
    facet_labels = {o["value"]: o["label"] for o in browse["facets"]["theme"]}
    assert facet_labels[theme.key] == theme.label
    assert theme.label in browse["results"][0]["themes"]

    document = json.loads(
        client.get(reverse("cases:case_detail", args=[case.slug]), {"format": "json"}).content
    )
    entry = next(t for t in document["themes"] if t["key"] == theme.key)
    assert (entry["label"], entry["name"]) == (theme.label, theme.name)

    csv_text = client.get(BROWSE, {"theme": theme.key, "format": "csv"}).getvalue().decode()
    assert theme.label in csv_text
    assert theme.name not in csv_text


# 6: numbered pages --------------------------------------------------------------------------


def test_pages_are_numbered_with_the_current_one_marked(client, settings):
    published = Case.objects.published().count()
    pages = -(-published // 20)
    assert pages >= 3
    body = client.get(BROWSE, {"page": "2"}).content.decode()
    for number in range(1, pages + 1):
        assert f'href="?page={number}"' in body, number
    assert 'aria-current="page" aria-label="2ページ（表示中）"' in body
    assert 'rel="prev"' in body
    assert 'rel="next"' in body
    # the sort order (like any selection) is kept in every numbered link
    body = client.get(BROWSE, {"sort": "-latest_source"}).content.decode()
    assert f'href="?sort=-latest_source&amp;page={pages}"' in body


# 8: the list of organisations ---------------------------------------------------------------

ORGANIZATIONS = reverse("cases:organizations")


def test_organisation_list_shows_public_ones_with_kind_count_and_aliases(client):
    response = client.get(ORGANIZATIONS)
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.paginator.count == Organization.objects.public().count()
    shiojiri = Organization.objects.get(name="塩尻市")
    expected = (
        Case.objects.published()
        .filter(Q(actors__organization=shiojiri) | Q(funding__provider=shiojiri))
        .distinct()
        .count()
    )
    found = client.get(ORGANIZATIONS, {"q": "塩尻市"}).context["page_obj"].object_list
    row = next(o for o in found if o.pk == shiojiri.pk)
    assert row.case_count == expected > 0
    body = client.get(ORGANIZATIONS, {"q": "塩尻市"}).content.decode()
    assert "長野県塩尻市" in body  # its other spelling
    assert shiojiri.get_kind_display() in body


def test_organisation_list_hides_organisations_only_drafts_name(client):
    hidden = OrganizationFactory(name="下書きだけの組織株式会社")
    ActorFactory(organization=hidden, case=CaseFactory(status=Case.Status.DRAFT))
    names = [o.name for o in client.get(ORGANIZATIONS, {"q": "下書き"}).context["page_obj"]]
    assert names == []


@pytest.mark.parametrize("query", ["ＫＤＤＩ", "kddi", "長野県　塩尻市"])
def test_organisation_search_folds_width_and_case_and_reads_aliases(client, query):
    found = client.get(ORGANIZATIONS, {"q": query}).context["page_obj"].object_list
    assert found, query
    assert all(
        normalize(query).split()[0] in normalize(" ".join([o.name, *o.aliases])) for o in found
    )


def test_organisation_list_filters_by_kind_and_explains_unknown_ones(client):
    found = client.get(ORGANIZATIONS, {"kind": "npo"}).context["page_obj"].paginator.object_list
    assert found
    assert {o.kind for o in found} == {"npo"}
    response = client.get(ORGANIZATIONS, {"kind": "<b>x</b>", "page": "999"})
    assert response.status_code == 200
    assert "種別 &lt;b&gt;x&lt;/b&gt; はないため" in response.content.decode()


# 13: error pages ----------------------------------------------------------------------------


def test_404_has_the_header_a_search_box_and_a_way_on(client):
    response = client.get("/cases/no-such-case/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="site-header"' in body
    assert 'role="search"' in body
    assert 'name="q"' in body
    assert f'href="{ORGANIZATIONS}"' in body


def test_500_renders_without_the_database(rf, django_assert_num_queries):
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in body
    assert 'role="search"' in body
    assert f'href="{BROWSE}"' in body
