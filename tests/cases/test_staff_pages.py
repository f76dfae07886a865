"""What policy staff hit first (issue 13): citations, themes, paging, empty searches, errors."""

import csv
import io
import json

import pytest
from django.db.models import Q
from django.urls import reverse

from cases.models import Case, Citation, Organization, SourceDocument, Theme
from cases.text import normalize
from tests import oracles
from tests.factories import (
    ActorFactory,
    CaseFactory,
    CitationFactory,
    KeyFigureFactory,
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
    # No single-line field that cuts a line off: not the sources', the page's, nor a figure's.
    assert 'class="cite-line" type="text"' not in body
    assert '<p class="cite-line" id="cite-page">' in body
    assert '<p class="cite-line" id="cite-figure-' in body


def test_citation_shows_the_documents_url_and_page_when_recorded(client):
    source = SourceDocumentFactory(url="https://www.mlit.go.jp/example/report.pdf")
    case = CaseFactory()
    CitationFactory(case=case, source=source, page="17")
    body = detail(client, case.slug)
    assert 'href="https://www.mlit.go.jp/example/report.pdf"' in body
    assert "p.17" in body
    # and a document without a URL gets no link
    bare = SourceDocumentFactory()
    other = CaseFactory()
    CitationFactory(case=other, source=bare)
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


# 2, 5: the filters ------------------------------------------------------------------------


def test_skip_link_leads_to_the_first_result(client):
    body = client.get(BROWSE).content.decode()
    assert body.index('href="#first-result"') < body.index('id="facet-form"')
    # The first case by reading (the default order), worked out from the files.
    first = min(
        oracles.published_yaml_cases().values(),
        key=lambda record: oracles.reading_order_key(record["title_kana"], record["title"]),
    )
    assert f'<a href="/cases/{first["slug"]}/" id="first-result">' in body


def test_facet_groups_fold_and_open_when_they_hold_a_selection(client):
    body = client.get(BROWSE, {"pref": "20"}).content.decode()
    assert '<details class="facet" id="facet-pref" open>' in body
    assert '<details class="facet" id="facet-theme">' in body
    assert '<details class="facet" id="facet-theme" open>' not in body


def test_long_groups_show_their_largest_options_and_fold_the_rest(client):
    from cases.templatetags.catalogue import FACET_OPTIONS_SHOWN

    facets = json.loads(client.get(BROWSE, {"format": "json"}).content)["facets"]
    prefs = facets["pref"]
    assert len(prefs) > FACET_OPTIONS_SHOWN + 1
    smallest = min(prefs, key=lambda option: option["count"])
    body = client.get(BROWSE).content.decode()
    shown, folded = body.split('id="facet-pref-more"')[0], body.split('id="facet-pref-more"')[1]
    assert f'name="pref" value="{smallest["value"]}"' in folded.split("</details>")[0]
    largest = max(prefs, key=lambda option: option["count"])
    assert f'name="pref" value="{largest["value"]}"' in shown.split('id="facet-pref"')[1]
    # a selected option is never folded away
    body = client.get(BROWSE, {"pref": smallest["value"]}).content.decode()
    more = body.split('id="facet-pref-more"')[1].split("</details>")[0]
    assert f'value="{smallest["value"]}"' not in more


def test_population_facet_says_it_uses_stated_values_and_offers_the_cases_without(client):
    body = client.get(BROWSE).content.decode()
    group = body.split('id="facet-pop"')[1].split("</details>")[0]
    assert "資料に記載された人口（記載値）" in group
    assert "区分の件数は実際の該当数より少ないことがあります" in group
    assert 'name="pop" value="unknown"' in group
    assert "人口の記載なし" in group


# 11: a search that finds nothing --------------------------------------------------------


def test_a_search_that_finds_nothing_says_what_was_searched_and_hides_the_exports(client):
    body = client.get(BROWSE, {"q": "宇宙エレベーター"}).content.decode()
    assert "0件の事例" in body
    assert "「<strong>宇宙エレベーター</strong>」" in body
    # No export or citation links (the page's JSON-LD still names the catalogue's downloads;
    # the selection's feed stays, to hear of the first match).
    for label in ("CSV（Excel向け）", "主な数値のCSV", ">JSON<", ">BibTeX<", ">RIS<"):
        assert label not in body, label


def test_a_misspelt_place_suggests_the_close_name(client):
    response = client.get(BROWSE, {"q": "塩尻氏"})
    names = [item["name"] for item in response.context["suggestions"]]
    assert "塩尻市" in names
    assert client.get(BROWSE, {"q": "塩尻市"}).context["total"] > 0


def test_a_search_with_filters_that_finds_nothing_offers_the_words_alone(client):
    alone = client.get(BROWSE, {"q": "交通"}).context["total"]
    response = client.get(BROWSE, {"q": "交通", "region": "hokkaido", "type": "finance"})
    if response.context["total"]:
        pytest.fail("the filters were meant to leave nothing")
    body = response.content.decode()
    assert f'<a href="?q=%E4%BA%A4%E9%80%9A">条件を外して「交通」で探す（{alone}件）</a>' in body


# 9: long tables ---------------------------------------------------------------------------


def test_actors_are_grouped_by_role_and_long_groups_fold(client):
    from cases.models import Actor
    from cases.views.detail import CaseDetailView

    actors = Actor.objects.filter(case__slug="ina-city")
    body = detail(client, "ina-city")
    assert f'関係主体<span class="meta">（{actors.count()}件）' in body
    limit = CaseDetailView.actor_group_open_limit
    for role, label in Actor.Role.choices:
        n = actors.filter(role=role).count()
        if not n:
            continue
        opening = (
            '<details class="actor-group">' if n > limit else '<details class="actor-group" open>'
        )
        assert f'{opening}\n      <summary>{label}<span class="meta">（{n}件）</span>' in body, (
            label
        )
    assert any(actors.filter(role=role).count() > limit for role in Actor.Role.values)


def test_detail_tables_stack_with_a_label_for_every_cell(client):
    import re

    body = detail(client, "ina-city")
    for table in re.findall(r'<table class="table table--stack">.*?</table>', body, re.S):
        assert "<td>" not in table  # every cell names its column when stacked


# 12: the home page states its limits ---------------------------------------------------------


def test_home_says_what_each_grouping_covers_and_links_the_documents(client):
    published = Case.objects.published()
    # The 類型 filter also finds the 参考事例 printed under a classified case (reference_of).
    typed = published.filter(~Q(type_2025="") | Q(reference_of__type_2025__gt="")).count()
    themed = published.filter(themes__isnull=False).distinct().count()
    body = client.get(reverse("cases:home")).content.decode()
    total = published.count()
    assert typed < total
    assert f"全{total}件のうち{typed}件" in body
    assert f"全{total}件のうち{themed}件" in body
    with_url = SourceDocument.objects.exclude(url="").filter(citations__case__in=published)
    assert with_url.exists()
    for source in with_url.distinct():
        assert f'href="{source.url}"' in body
    assert "資料のURLは未登録" in body  # and the others say so


# 7: the CSV ---------------------------------------------------------------------------------


def csv_of(client, params):
    response = client.get(BROWSE, params)
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    return response, list(csv.reader(io.StringIO(text)))


def test_csv_is_named_after_the_selection_and_the_day(client):
    from urllib.parse import unquote

    from django.utils import timezone

    response, _rows = csv_of(client, {"region": "chubu", "q": "交通", "format": "csv"})
    header = response["Content-Disposition"]
    day = timezone.localdate().strftime("%Y%m%d")
    assert header.startswith(f'attachment; filename="kokudo-cases_region-chubu_search_{day}.csv";')
    assert header.isascii()
    utf8 = header.split("filename*=UTF-8''")[1]
    assert unquote(utf8) == f"国土事例カタログ-事例_中部_交通_{day}.csv"
    other, _rows = csv_of(client, {"type": "commons", "format": "csv"})
    assert other["Content-Disposition"] != header


def test_csv_has_prefecture_region_and_each_population_as_printed_with_date_and_place(client):
    from cases.exports import CSV_COLUMNS
    from cases.models import KeyFigure

    _response, rows = csv_of(client, {"q": "SUNDRED", "format": "csv"})
    assert tuple(rows[0]) == CSV_COLUMNS
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "sundred"), strict=True))
    assert row["都道府県"] == "栃木県、滋賀県"
    assert row["地方"] == "関東、近畿"
    populations = KeyFigure.objects.filter(case__slug="sundred", kind="population")
    assert populations.count() == 2
    for figure in populations:
        assert (
            f"{figure.place.name}：{figure.as_printed}（{figure.as_of_or_undated}）"
            in row["人口（資料の記載）"]
        )


def test_figures_csv_has_one_row_per_figure_as_printed(client):
    from cases.exports import FIGURE_CSV_COLUMNS
    from cases.models import KeyFigure

    response, rows = csv_of(client, {"region": "chubu", "format": "figures.csv"})
    assert "kokudo-figures_region-chubu_" in response["Content-Disposition"]
    assert tuple(rows[0]) == FIGURE_CSV_COLUMNS
    cases = client.get(BROWSE, {"region": "chubu", "format": "json"}).json()
    slugs = {item["slug"] for item in cases["results"]}
    assert cases["num_pages"] == 1
    figures = KeyFigure.objects.filter(case__slug__in=slugs)
    assert len(rows) - 1 == figures.count() > 0
    printed = {(r[0], r[4], r[6], r[7]) for r in rows[1:]}
    for figure in figures.select_related("case"):
        key = (figure.case.slug, figure.label, figure.as_printed, figure.as_of_or_undated)
        assert key in printed
    # The section as the case's file names it, then its heading and page from sources.yaml.
    expected = set()
    for slug in slugs:
        for row in oracles.yaml_cases()[slug].get("figures") or []:
            section = oracles.yaml_sections()[(row["source"], str(row["section"]))]
            named = " ".join(filter(None, (str(row["section"]), row.get("section_note"))))
            page = section.get("page", "")
            expected.add((slug, row["label"], row["as_printed"], named, section["heading"], page))
    assert {(r[0], r[4], r[6], r[9], r[10], r[11]) for r in rows[1:]} == expected


def test_figures_csv_cells_never_start_a_formula(client):
    from cases.models import KeyFigure

    case = CaseFactory(slug="zz-figure-formula")
    KeyFigureFactory(case=case, label="=1+2", as_printed="-3", kind=KeyFigure.Kind.OTHER)
    case.refresh_index()
    _response, rows = csv_of(client, {"format": "figures.csv"})
    row = next(r for r in rows if r[0] == "zz-figure-formula")
    assert row[4] == "'=1+2"
    assert row[6] == "'-3"
