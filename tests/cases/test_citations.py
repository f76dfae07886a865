"""Citation downloads: parsed back with independent parsers, a Japanese title intact."""

import json
from datetime import date
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from cases import citations
from cases.browse import BrowseQuery
from cases.facets import dynamic_labels
from cases.models import Case, KeyFigure
from tests.cases import sql_reference
from tests.factories import (
    CaseFactory,
    CitationFactory,
    KeyFigureFactory,
    SourceDocumentFactory,
    SourceSectionFactory,
)

pytestmark = pytest.mark.django_db

CSL_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "csl-data.json").read_text()
)
JAPANESE_TITLE = "長野県伊那市（官民共創コンソーシアム「伊那市新産業技術推進協議会」）"


def cited_case(title=JAPANESE_TITLE):
    case = CaseFactory(title=title, summary="要約：ドローン配送と遠隔診療。")
    source = SourceDocumentFactory(
        title="地域生活圏 ～人口減少社会の処方箋－「人と国土のリデザイン」～",
        issuer="国土審議会 推進部会 地域生活圏専門委員会",
        year=2025,
        published_on=date(2025, 5, 1),
        url="https://example.org/report",
    )
    ina = SourceSectionFactory(source=source, number="4.(1)③(ii)", heading="長野県伊那市")
    chapter = SourceSectionFactory(
        source=source, number="3.", heading="委員会の議論の経緯", page="21"
    )
    # The citation's own page wins over the section's; a note names what inside the section.
    CitationFactory(case=case, source=source, section=ina, page="12")
    CitationFactory(case=case, source=source, section=chapter, section_note="検討経緯")
    case.refresh_from_db()
    return case


def download(client, case, extension):
    url = reverse("cases:case_citation", args=[case.slug, extension])
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_bibtex_download_parses_with_pybtex_and_bibtexparser(client):
    case = cited_case()
    response = download(client, case, "bib")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="kokudo-{case.slug}.bib"'
    text = response.content.decode()

    data = parse_string(text, "bibtex")
    page = data.entries[f"kokudo-{case.slug}"]
    assert page.type == "misc"
    assert page.fields["title"] == JAPANESE_TITLE
    assert page.fields["url"] == f"http://testserver/cases/{case.slug}/"
    assert page.fields["urldate"] == timezone.localdate().isoformat()
    # The organisation is one name, braced so that it is not split into family and given.
    assert str(page.persons["author"][0]) == "{国土事例カタログ}"
    report = data.entries[f"{case.slug}-1"]
    assert report.type == "techreport"
    assert report.fields["note"] == "4.(1)③(ii) 長野県伊那市"
    assert report.fields["pages"] == "12"
    assert report.fields["year"] == "2025"
    assert report.fields["month"] == "5"
    second = data.entries[f"{case.slug}-2"]
    assert second.fields["note"] == "3. 委員会の議論の経緯 検討経緯"
    assert second.fields["pages"] == "21"  # where the 目次 says the section starts

    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert [entry.key for entry in library.entries] == [
        f"kokudo-{case.slug}",
        f"{case.slug}-1",
        f"{case.slug}-2",
    ]


def test_ris_download_parses_with_rispy(client):
    case = cited_case()
    response = download(client, case, "ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("TY  - ELEC\r\n")
    entries = rispy.loads(text)
    assert [entry["type_of_reference"] for entry in entries] == ["ELEC", "RPRT", "RPRT"]
    page, report, _ = entries
    assert page["title"] == JAPANESE_TITLE
    assert page["urls"] == [f"http://testserver/cases/{case.slug}/"]
    assert page["access_date"] == timezone.localdate().strftime("%Y/%m/%d")
    assert report["section"] == "4.(1)③(ii) 長野県伊那市"
    assert report["start_page"] == "12"
    assert report["date"] == "2025/05/01"
    assert report["authors"] == ["国土審議会 推進部会 地域生活圏専門委員会"]


def test_csl_json_download_is_valid_against_the_schema(client):
    case = cited_case()
    response = download(client, case, "json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(response.content)
    jsonschema.validate(items, CSL_SCHEMA)
    page, report, second = items
    assert page["type"] == "webpage"
    assert page["title"] == JAPANESE_TITLE
    today = timezone.localdate()
    assert page["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert report["type"] == "report"
    assert report["section"] == "4.(1)③(ii) 長野県伊那市"
    assert report["page"] == "12"
    assert report["issued"] == {"date-parts": [[2025, 5, 1]]}
    assert report["URL"] == "https://example.org/report"
    assert second["section"] == "3. 委員会の議論の経緯 検討経緯"
    # No page of its own: the page where the 目次 says the section starts.
    assert second["page"] == "21"


def test_every_published_case_of_the_catalogue_gives_valid_citations(client):
    slugs = list(Case.objects.published().values_list("slug", flat=True))
    assert slugs
    for slug in slugs:
        case = Case.objects.get(slug=slug)
        items = json.loads(download(client, case, "json").content)
        jsonschema.validate(items, CSL_SCHEMA)
        assert len(items) == 1 + case.citations.count()
        assert len(
            parse_string(download(client, case, "bib").content.decode(), "bibtex").entries
        ) == len(items)
        assert len(rispy.loads(download(client, case, "ris").content.decode())) == len(items)


@pytest.mark.parametrize(
    "path",
    [
        "/cases/ina-city/cite.pdf",
        "/cases/ina-city/cite.",
        "/cases/no-such-case/cite.bib",
        f"/cases/{'a' * 300}/cite.bib",
    ],
)
def test_unknown_formats_and_cases_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_draft_case_has_no_citation_download(client):
    case = CaseFactory(status=Case.Status.DRAFT)
    url = reverse("cases:case_citation", args=[case.slug, "bib"])
    assert client.get(url).status_code == 404


def test_a_selection_is_one_list_of_every_case_reference():
    first, second = cited_case(), cited_case(title="試験「二」")
    references = citations.selection_references(
        Case.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk"),
        url_for=lambda case: f"https://example.org{case.get_absolute_url()}",
        accessed=date(2026, 1, 2),
    )
    assert [reference.key for reference in references] == [
        f"kokudo-{first.slug}",
        f"{first.slug}-1",
        f"{first.slug}-2",
        f"kokudo-{second.slug}",
        f"{second.slug}-1",
        f"{second.slug}-2",
    ]
    text = citations.to_bibtex(references, notice="上限を超えた1件は含みません。")
    library = bibtexparser.parse_string(text)
    assert len(library.entries) == 6
    assert "上限を超えた1件は含みません。" in library.comments[0].comment


# Titles of any text, in the characters titles hold (no control characters; BibTeX braces are
# the one thing a BibTeX value cannot carry unpaired, tested apart below).
title_text = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "P", "Zs", "S"), exclude_characters="{}\\"),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(title=title_text)
def test_any_title_round_trips(title):
    reference = citations.Reference(
        key="k", kind="report", title=title, publisher="国土交通省", year=2022
    )
    assert rispy.loads(citations.to_ris([reference]))[0]["title"] == title
    assert bibtexparser.parse_string(citations.to_bibtex([reference])).entries[0]["title"] == title
    item = json.loads(citations.to_csl_json([reference]))
    jsonschema.validate(item, CSL_SCHEMA)
    assert item[0]["title"] == title


def test_unpaired_braces_do_not_end_a_bibtex_field_early():
    reference = citations.Reference(
        key="k", kind="report", title="前}後{中", publisher="x", year=2022
    )
    library = bibtexparser.parse_string(citations.to_bibtex([reference]))
    assert library.failed_blocks == []
    assert library.entries[0]["title"] == "前後{中}"


def test_a_line_break_in_a_note_stays_on_its_ris_line():
    reference = citations.Reference(
        key="k", kind="report", title="題", publisher="x", note="一行目\n二行目"
    )
    assert rispy.loads(citations.to_ris([reference]))[0]["notes"] == ["一行目 二行目"]


def test_figure_citation_is_the_value_as_printed_with_its_date_and_section():
    section = SourceSectionFactory(number="2.(1)", heading="人口の推移", page="7")
    figure = KeyFigureFactory(
        as_printed="約6.5万人",
        undated=False,
        as_of_year=2025,
        as_of_label="R7.3",
        source=section.source,
        section=section,
    )
    assert citations.figure_citation(figure) == (
        f"約6.5万人（R7.3）出典：{figure.source.title}、2.(1) 人口の推移 p.7〜"
    )
    undated = KeyFigureFactory(as_printed="約4千人", undated=True, section_note="図表1")
    assert citations.figure_citation(undated) == (
        f"約4千人（時点の記載なし）出典：{undated.source.title}、"
        f"1.(1) {undated.section.heading} 図表1"
    )


def test_case_page_offers_the_downloads_and_each_figure_its_citation(client):
    case = Case.objects.get(slug="ina-city")
    html = client.get(case.get_absolute_url()).content.decode()
    for extension in ("bib", "ris", "json"):
        assert f'href="/cases/ina-city/cite.{extension}"' in html
    figures = KeyFigure.objects.filter(case=case).select_related("source")
    assert figures
    for figure in figures:
        line = citations.figure_citation(figure)
        assert f'<p class="cite-line" id="cite-figure-{figure.pk}">{line}</p>' in html
        # Exactly as printed: the qualifier (約・以上・超) is part of the quoted value.
        assert line.startswith(f"{figure.as_printed}（")
    assert f"国土事例カタログ「{case.title}」http://testserver/cases/ina-city/" in html


# A selection's downloads: format=bibtex|ris|csljson on the browse page -------------------------

SELECTION = "theme=transport-redesign&region=chubu"


def selection_slugs(query_string):
    """The cases the browse page shows for query_string, in its order (the SQL oracle's)."""
    browse = BrowseQuery.parse(QueryDict(query_string), dynamic_labels())
    return list(sql_reference.select(browse).values_list("slug", flat=True))


def expected_keys(slugs):
    keys = []
    for slug in slugs:
        keys.append(f"kokudo-{slug}")
        sections = Case.objects.get(slug=slug).citations.count()
        keys.extend(f"{slug}-{number}" for number in range(1, sections + 1))
    return keys


def download_selection(client, query_string, name):
    response = client.get(f"{reverse('cases:case_list')}?{query_string}&format={name}")
    assert response.status_code == 200
    spec = citations.FORMATS[name]
    assert response["Content-Type"] == spec["content_type"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="kokudo-selection.{spec["extension"]}"'
    )
    return response.content.decode()


@pytest.mark.parametrize("query_string", [SELECTION, "q=交通&sort=-population"])
def test_a_selections_citations_parse_in_every_format(client, query_string):
    slugs = selection_slugs(query_string)
    assert 1 < len(slugs) <= citations.MAX_CITED_CASES
    keys = expected_keys(slugs)

    text = download_selection(client, query_string, "bibtex")
    assert list(parse_string(text, "bibtex").entries) == keys
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert library.comments == []  # every case is in the file: nothing to say
    assert [entry.key for entry in library.entries] == keys

    entries = rispy.loads(download_selection(client, query_string, "ris"))
    assert [entry["id"] for entry in entries] == keys

    items = json.loads(download_selection(client, query_string, "csljson"))
    jsonschema.validate(items, CSL_SCHEMA)
    assert [item["id"] for item in items] == keys
    first = Case.objects.get(slug=slugs[0])
    assert items[0]["title"] == first.title
    assert items[0]["URL"] == f"http://testserver/cases/{first.slug}/"


def test_past_the_cap_the_first_cases_are_cited_and_the_rest_announced(client, monkeypatch):
    monkeypatch.setattr(citations, "MAX_CITED_CASES", 3)
    slugs = selection_slugs("scope=domestic")
    assert len(slugs) > 3
    notice = (
        f"引用の書き出しには、条件に合う{len(slugs)}件のうち表示順で先頭の3件だけを"
        f"収めています（{len(slugs) - 3}件は含まれません）。"
        "条件を絞り込むと、すべてを書き出せます。"
    )
    keys = expected_keys(slugs[:3])

    text = download_selection(client, "scope=domestic", "bibtex")
    library = bibtexparser.parse_string(text)
    assert [comment.comment for comment in library.comments] == [notice]
    assert [entry.key for entry in library.entries] == keys
    assert list(parse_string(text, "bibtex").entries) == keys  # pybtex skips the comment
    # RIS and CSL-JSON have no comments: the same cases, the notice only on the page.
    ris = rispy.loads(download_selection(client, "scope=domestic", "ris"))
    assert [entry["id"] for entry in ris] == keys
    csl = json.loads(download_selection(client, "scope=domestic", "csljson"))
    assert [item["id"] for item in csl] == keys

    page = client.get(f"{reverse('cases:case_list')}?scope=domestic").content.decode()
    assert notice in page
    # Up to the cap the page says nothing, and the file neither.
    monkeypatch.setattr(citations, "MAX_CITED_CASES", len(selection_slugs(SELECTION)))
    few = client.get(f"{reverse('cases:case_list')}?{SELECTION}").content.decode()
    assert "引用の書き出しには" not in few
    assert bibtexparser.parse_string(download_selection(client, SELECTION, "bibtex")).comments == []


def test_the_browse_page_links_its_selections_citations(client):
    html = client.get(f"{reverse('cases:case_list')}?region=chubu&theme=transport-redesign&page=1")
    html = html.content.decode()
    for name in citations.FORMATS:
        assert f'href="?theme=transport-redesign&amp;region=chubu&amp;format={name}"' in html


def test_a_selections_citations_cost_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    client.get(reverse("cases:case_list"))  # the process builds its index
    # The catalogue's version, the cases, their citations and the cited documents.
    with django_assert_max_num_queries(4):
        text = download_selection(client, "scope=domestic", "csljson")
    assert len(json.loads(text)) > 73


def test_a_case_unpublished_meanwhile_is_not_cited(client):
    case = cited_case(title="公開を取り下げる事例")
    case.refresh_index()
    assert case.slug in download_selection(client, "", "csljson")
    # Unpublished by another process after this one's index last changed.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    assert case.slug not in download_selection(client, "", "csljson")
