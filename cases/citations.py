"""Citations of cases in the formats reference managers read: BibTeX, RIS and CSL-JSON.

A case gives one reference for its catalogue page (with its URL and the date accessed) and one
for each section of a source document it cites. The references are built once, as plain
Reference records, and each format writes them; a selection of cases is the same list, longer.
Only what fixtures/sources.yaml records about a document is used: title, issuer, year, the date
when it is given, and the URL when there is one.
"""

import json
from dataclasses import dataclass, field
from datetime import date

import bibtexparser
import rispy
from bibtexparser import model as bibtex
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .models import Citation
from .sections import describe

SITE_NAME = "国土事例カタログ"
# A selection's download holds at most this many cases' references (documented in the README);
# past it the response says how many were left out.
MAX_CITED_CASES = 200


@dataclass
class Reference:
    key: str
    kind: str  # "webpage" (the catalogue's page of a case) or "report" (a source document)
    title: str
    publisher: str
    year: int | None = None
    issued: date | None = None
    url: str = ""
    accessed: date | None = None
    section: str = ""
    page: str = ""
    container: str = ""  # the site a web page belongs to
    note: str = ""
    keywords: list[str] = field(default_factory=list)


def cited_sections():
    """What case_references reads of a case's citations, in one query with the citations."""
    return Prefetch("citations", queryset=Citation.objects.select_related("source", "section"))


def case_references(case, page_url, accessed):
    """Return the references for one case: its catalogue page, then each cited section.

    The case's citations must be loaded with their sources and sections (the detail page's
    prefetch, or cited_sections()).
    """
    changed = case.content_changed_at
    references = [
        Reference(
            key=f"kokudo-{case.slug}",
            kind="webpage",
            title=case.title,
            publisher=SITE_NAME,
            container=SITE_NAME,
            year=changed.year if changed else None,
            issued=changed.date() if changed else None,
            url=page_url,
            accessed=accessed,
            note=case.summary,
        )
    ]
    for number, citation in enumerate(case.citations.all(), start=1):
        source = citation.source
        references.append(
            Reference(
                key=f"{case.slug}-{number}",
                kind="report",
                title=source.title,
                publisher=source.issuer,
                year=source.year,
                issued=source.published_on,
                url=source.url,
                # Number, heading and note; the page goes in a field of its own.
                section=describe(
                    citation.section.number, citation.section.heading, citation.section_note
                ),
                page=citation.cited_page,
                # A 2018 sheet names its own origin (出典：…); a reference quotes it.
                note=f"{case.title}：{citation.section_display}"
                + (f"（出典：{citation.origin_as_printed}）" if citation.origin_as_printed else ""),
            )
        )
    return references


def selection_references(cases, url_for, accessed):
    """Return the references of several cases, in their order; url_for(case) gives page URLs."""
    return [
        reference for case in cases for reference in case_references(case, url_for(case), accessed)
    ]


def omitted_notice(total):
    """Say what a selection's download of total cases leaves out; "" when it holds them all.

    The browse page shows it next to the download links, and a BibTeX file carries it.
    """
    if total <= MAX_CITED_CASES:
        return ""
    return _(
        "引用の書き出しには、条件に合う%(total)s件のうち表示順で先頭の%(limit)s件だけを"
        "収めています（%(omitted)s件は含まれません）。条件を絞り込むと、すべてを書き出せます。"
    ) % {
        "total": f"{total:,}",
        "limit": f"{MAX_CITED_CASES:,}",
        "omitted": f"{total - MAX_CITED_CASES:,}",
    }


# BibTeX -------------------------------------------------------------------------------------


def _balanced(text):
    """Drop braces that do not pair: BibTeX would end the field at the first unpaired one."""
    depth, kept = 0, []
    for character in text:
        if character == "{":
            depth += 1
        elif character == "}":
            if depth == 0:
                continue
            depth -= 1
        kept.append(character)
    return "".join(kept) + "}" * depth


def _bibtex_entry(reference):
    fields = {
        "title": reference.title,
        # Double braces: an organisation is one name, not "family, given" to be split.
        "author": "{" + reference.publisher + "}",
        "year": str(reference.year) if reference.year else "",
        "url": reference.url,
        "note": reference.section or "",
    }
    if reference.kind == "webpage":
        entry_type = "misc"
        fields["howpublished"] = reference.container
        fields["note"] = f"閲覧日: {reference.accessed.isoformat()}" if reference.accessed else ""
        if reference.accessed:
            fields["urldate"] = reference.accessed.isoformat()  # biblatex
    else:
        entry_type = "techreport"
        fields["institution"] = reference.publisher
        if reference.issued:
            fields["month"] = str(reference.issued.month)
        if reference.page:
            fields["pages"] = reference.page
    return bibtex.Entry(
        entry_type,
        reference.key,
        [bibtex.Field(name, _balanced(value)) for name, value in fields.items() if value],
    )


def to_bibtex(references, notice=""):
    library = bibtexparser.Library()
    if notice:
        library.add(bibtex.ExplicitComment(notice))
    library.add([_bibtex_entry(reference) for reference in references])
    # The writer encloses each value in braces; _balanced() keeps that enclosure intact.
    return bibtexparser.write_string(library)


# RIS ----------------------------------------------------------------------------------------


def _ris_record(reference):
    record = {
        "type_of_reference": "ELEC" if reference.kind == "webpage" else "RPRT",
        "title": reference.title,
        "authors": [reference.publisher],
        "publisher": reference.publisher,
        "id": reference.key,
    }
    if reference.year:
        record["year"] = str(reference.year)
    if reference.issued:
        record["date"] = reference.issued.strftime("%Y/%m/%d")
    if reference.url:
        record["urls"] = [reference.url]
    if reference.accessed:
        record["access_date"] = reference.accessed.strftime("%Y/%m/%d")
    if reference.container:
        record["secondary_title"] = reference.container
    if reference.section:
        record["section"] = reference.section
    if reference.page:
        record["start_page"] = reference.page
    if reference.note:
        record["notes"] = [reference.note]
    return record


class _RisWriter(rispy.RisWriter):
    # RIS ends lines with CR LF, and readers (EndNote) expect TY as an entry's first line:
    # no numbered header line before it.
    NEWLINE = "\r\n"

    def set_header(self, count):
        return ""


def _one_line(value):
    """An RIS value ends at the line's end: a line break inside it would start a bogus tag."""
    if isinstance(value, list):
        return [_one_line(item) for item in value]
    return " ".join(value.splitlines())


def to_ris(references):
    records = [
        {tag: _one_line(value) for tag, value in _ris_record(reference).items()}
        for reference in references
    ]
    return rispy.dumps(records, implementation=_RisWriter)


# CSL-JSON -----------------------------------------------------------------------------------


def _date_parts(day):
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_items(references):
    items = []
    for reference in references:
        item = {
            "id": reference.key,
            "type": reference.kind,
            "title": reference.title,
            "author": [{"literal": reference.publisher}],
            "publisher": reference.publisher,
            "language": "ja",
        }
        if reference.issued:
            item["issued"] = _date_parts(reference.issued)
        elif reference.year:
            item["issued"] = {"date-parts": [[reference.year]]}
        if reference.url:
            item["URL"] = reference.url
        if reference.accessed:
            item["accessed"] = _date_parts(reference.accessed)
        if reference.container:
            item["container-title"] = reference.container
        if reference.section:
            item["section"] = reference.section
        if reference.page:
            item["page"] = reference.page
        if reference.note:
            item["note"] = reference.note
        items.append(item)
    return items


def to_csl_json(references):
    return json.dumps(csl_items(references), ensure_ascii=False, indent=2)


# The formats by name, as `format=` and the download URLs spell them. Only BibTeX has comments
# (@comment) to carry a notice: RIS and CSL-JSON have nowhere a reader would keep it.
FORMATS = {
    "bibtex": {
        "extension": "bib",
        "content_type": "application/x-bibtex; charset=utf-8",
        "render": to_bibtex,
        "carries_notice": True,
    },
    "ris": {
        "extension": "ris",
        "content_type": "application/x-research-info-systems; charset=utf-8",
        "render": to_ris,
    },
    "csljson": {
        "extension": "json",
        "content_type": "application/vnd.citationstyles.csl+json; charset=utf-8",
        "render": to_csl_json,
    },
}
FORMAT_BY_EXTENSION = {spec["extension"]: name for name, spec in FORMATS.items()}


def render(name, references, notice=""):
    """Write references in the format called name, with the notice where the format has room."""
    spec = FORMATS[name]
    if notice and spec.get("carries_notice"):
        return spec["render"](references, notice=notice)
    return spec["render"](references)


# Figures ------------------------------------------------------------------------------------


def figure_citation(figure):
    """「値（時点）出典：資料名、箇所」 for a figure, the value exactly as printed."""
    return (
        f"{figure.as_printed}（{figure.as_of_or_undated}）"
        f"出典：{figure.source.title}、{figure.section_display}"
    )
