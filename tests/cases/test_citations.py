"""Citation downloads: parsed back with independent parsers, a Japanese title intact."""

import json
from datetime import date
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from cases import citations
from cases.models import Case, KeyFigure
from tests.factories import CaseFactory, CitationFactory, KeyFigureFactory, SourceDocumentFactory

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
    CitationFactory(case=case, source=source, section="4.(1)③(ii)", page="12")
    CitationFactory(case=case, source=source, section="3. 検討経緯")
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
    assert report.fields["note"] == "4.(1)③(ii)"
    assert report.fields["pages"] == "12"
    assert report.fields["year"] == "2025"
    assert report.fields["month"] == "5"
    assert data.entries[f"{case.slug}-2"].fields["note"] == "3. 検討経緯"

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
    assert report["section"] == "4.(1)③(ii)"
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
    assert report["section"] == "4.(1)③(ii)"
    assert report["issued"] == {"date-parts": [[2025, 5, 1]]}
    assert report["URL"] == "https://example.org/report"
    assert second["section"] == "3. 検討経緯"


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
    figure = KeyFigureFactory(
        as_printed="約6.5万人", undated=False, as_of_year=2025, as_of_label="R7.3"
    )
    assert citations.figure_citation(figure) == (
        f"約6.5万人（R7.3）出典：{figure.source.title}、1.(1)"
    )
    undated = KeyFigureFactory(as_printed="約4千人", undated=True)
    assert citations.figure_citation(undated) == (
        f"約4千人（時点の記載なし）出典：{undated.source.title}、1.(1)"
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
        assert f'value="{line}"' in html
        # Exactly as printed: the qualifier (約・以上・超) is part of the quoted value.
        assert line.startswith(f"{figure.as_printed}（")
    assert f"国土事例カタログ「{case.title}」http://testserver/cases/ina-city/" in html
