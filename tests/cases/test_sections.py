"""Sections of the source documents: fixtures, the migration of the typed text, the admin's
choice, the loader's errors and what pages show (issue 16, "sections picked, not typed")."""

import html
import importlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from cases.models import Case, Citation, KeyFigure, SourceDocument, SourceSection
from cases.sections import match_section
from tests import oracles
from tests.cases.test_admin import form_data
from tests.factories import CitationFactory, SourceDocumentFactory, SourceSectionFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.CATALOGUE_FIXTURES_DIR)
MIGRATION = importlib.import_module("cases.migrations.0016_match_section_text")


def yaml_sources():
    return yaml.safe_load((FIXTURES / "sources.yaml").read_text(encoding="utf-8"))


# The fixtures ---------------------------------------------------------------------------------


def test_each_document_has_the_sections_of_sources_yaml_in_order():
    for record in yaml_sources():
        stored = SourceSection.objects.filter(source__key=record["key"]).order_by("position")
        assert [(s.number, s.heading, s.page) for s in stored] == [
            (s.get("number", ""), s["heading"], s.get("page", "")) for s in record["sections"]
        ], record["key"]


def test_chapter_4_of_the_2025_report_has_the_pages_of_its_table_of_contents():
    # The report's 目次 (seed 003, lines 12-22) gives a page for each of these; its subsections
    # (i), (ii) … are not in it, and so have none.
    mokuji = {
        "4.": "29",
        "4.(1)": "29",
        "4.(1)①": "29",
        "～コラム3～": "31",
        "4.(1)②": "37",
        "4.(1)③": "41",
        "4.(2)": "47",
        "4.(2)①": "47",
        "4.(2)②": "50",
        "4.(3)": "52",
    }
    report = next(r for r in yaml_sources() if r["key"] == "2025-report")
    pages = {s.get("number") or s["heading"]: s.get("page", "") for s in report["sections"]}
    assert {key: pages[key] for key in mokuji} == mokuji
    assert all(page == "" for key, page in pages.items() if re.search(r"\((i|ii|iii|iv)\)$", key))


# Matching typed text ---------------------------------------------------------------------------


def sections(*pairs):
    return [SimpleNamespace(number=number, heading=heading) for number, heading in pairs]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.(1)③(i)", ("4.(1)③(i)", "")),
        ("4.(1)③(i) 参考事例①", ("4.(1)③(i)", "参考事例①")),
        ("4.(1)③ 産業イノベーション創出型 表1", ("4.(1)③", "表1")),
        ("（３）＜コワーキング型拠点＞", ("（３）", "＜コワーキング型拠点＞")),
        ("会津若松市の概要", ("", "")),
        ("1(1)", ("1(1)", "")),
        # 1(1) is no prefix of 1(10), nor 4.(1) of 4.(10).
        ("1(10)", None),
        ("9. どこにもない章", None),
    ],
)
def test_match_section_takes_the_longest_spelling_and_keeps_the_rest_as_note(text, expected):
    document = sections(
        ("4.(1)③", "産業イノベーション創出型"),
        ("4.(1)③(i)", "SUNDRED 株式会社"),
        ("（３）", "生産性を高め、…のあり方"),
        ("", "会津若松市の概要"),
        ("1(1)", "石川県輪島市"),
    )
    section, note = match_section(document, text)
    if expected is None:
        assert (section, note) == (None, text)
    else:
        number, rest = expected
        assert section.number == number
        assert note == rest
        if not number:
            assert section.heading == text


def add_typed_text_columns():
    """The rows' tables as migration 0016 finds them: with the text column 0017 drops."""
    with connection.cursor() as cursor:
        for name in MIGRATION.ROW_MODELS:
            for model_name in (name, f"Historical{name}"):
                table = f"cases_{model_name.lower()}"
                cursor.execute(
                    f"ALTER TABLE {table} ADD COLUMN section_text varchar(200) NOT NULL DEFAULT ''"
                )


def row_models():
    return [Case._meta.get_field(name).related_model for name in SOURCED]


SOURCED = ("citations", "actors", "funding", "infrastructure", "figures", "milestones",
           "challenges", "points")  # fmt: skip


def test_the_data_migration_turns_the_typed_text_into_sections_and_notes():
    add_typed_text_columns()  # before any write: PostgreSQL alters no table with pending checks
    apps = MigrationLoader(connection).project_state(("cases", "0015_source_sections")).apps
    before = {
        (model, pk): (section, note)
        for model in row_models()
        for pk, section, note in model.objects.values_list("pk", "section", "section_note")
    }
    assert len({model for model, _ in before}) == len(MIGRATION.ROW_MODELS)
    # Every row's text as it was typed: its section's number (else heading), then the note.
    with connection.cursor() as cursor:
        for model in row_models():
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET section_text = ("  # noqa: S608
                "  SELECT CASE WHEN s.number = '' THEN s.heading ELSE s.number END"
                "  FROM cases_sourcesection s WHERE s.id = section_id"
                ") || CASE WHEN section_note = '' THEN '' ELSE ' ' || section_note END"
            )
    typed = {
        # (case, kind of row, position): text as the fixtures had it, spaced or not.
        ("nasucon-valley", "citations", 0): "4.(1)③(i) 参考事例①",
        ("co-ba", "citations", 1): "（３）＜コワーキング型拠点＞",
        ("local-energy", "citations", 1): "3.〔第2回専門委員会：令和6年12月4日〕",
        ("aizuwakamatsu-city", "figures", 0): "会津若松市の概要",
        ("meets", "actors", 0): "4.(1)①(i)",
    }
    for (slug, relation, position), text in typed.items():
        model = Case._meta.get_field(relation).related_model
        row = model.objects.filter(case__slug=slug).order_by("position", "id")[position]
        # Point it elsewhere, without its note: only the text is left to go by.
        decoy = SourceSection.objects.filter(source=row.source).exclude(pk=row.section_id)[0]
        model.objects.filter(pk=row.pk).update(section=decoy, section_note="")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET section_text = %s WHERE id = %s",  # noqa: S608
                [text, row.pk],
            )
    unmatched = KeyFigure.objects.filter(case__slug="ina-city").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_keyfigure SET section_text = %s WHERE id = %s",
            ["9. 存在しない章", unmatched.pk],
        )
    new_document = SourceDocumentFactory(key="typed-only")
    reported = []

    MIGRATION.match_section_text(
        apps,
        SimpleNamespace(connection=connection),
        fixture_sections={"typed-only": [("1.", "はじめに", "3")]},
        report=reported.append,
    )

    # Every row is back on the section and note it had (the one typed wrongly aside).
    after = {
        (model, pk): (section, note)
        for model in row_models()
        for pk, section, note in model.objects.values_list("pk", "section", "section_note")
    }
    del before[KeyFigure, unmatched.pk], after[KeyFigure, unmatched.pk]
    assert after == before
    # Oracle for the old spellings: the case files, which name each row's section and note.
    for (slug, relation, position), text in typed.items():
        expected = oracles.yaml_cases()[slug][relation][position]
        model = Case._meta.get_field(relation).related_model
        row = model.objects.filter(case__slug=slug).order_by("position", "id")[position]
        assert (row.section.key, row.section_note) == (
            str(expected["section"]),
            expected.get("section_note", ""),
        ), text
    # Text that matches nothing is kept as a section of its own, and said.
    kept = KeyFigure.objects.select_related("section").get(pk=unmatched.pk).section
    assert (kept.number, kept.heading, kept.source_id) == (
        "",
        "9. 存在しない章",
        unmatched.source_id,
    )
    assert reported == ["  not among its document's sections, kept as a section: '9. 存在しない章'"]
    # A document without sections gets those the fixtures list.
    assert [(s.number, s.heading, s.page) for s in new_document.sections.all()] == [
        ("1.", "はじめに", "3")
    ]


# The admin ----------------------------------------------------------------------------------


def case_form(client, case):
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    forms = [page.context["adminform"].form]
    prefixes = {}
    for inline in page.context["inline_admin_formsets"]:
        prefixes[inline.formset.model] = inline.formset.prefix
        forms += [inline.formset.management_form, *inline.formset.forms]
    return page, form_data(*forms), prefixes


def test_the_section_select_groups_every_documents_sections_under_its_title(admin_client):
    page, _, _ = case_form(admin_client, Case.objects.get(slug="ina-city"))
    body = page.content.decode()
    select = re.search(r'<select name="citations-0-section".*?</select>', body, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    titles = {s.key: s.short_title for s in SourceDocument.objects.all()}
    # Oracle: sources.yaml, documents by year then key, each with its sections in order.
    expected = [
        (
            titles[record["key"]],
            [" ".join(filter(None, (s.get("number"), s["heading"]))) for s in record["sections"]],
        )
        for record in sorted(yaml_sources(), key=lambda r: (r["year"], r["key"]))
    ]
    shown = [
        (
            html.unescape(label),
            [html.unescape(o) for o in re.findall(r">([^<]*)</option>", options)],
        )
        for label, options in groups
    ]
    assert shown == expected


def test_the_admin_refuses_a_section_of_another_document(admin_client):
    case = Case.objects.get(slug="ina-city")
    citation = case.citations.order_by("position", "id").first()
    elsewhere = SourceSection.objects.exclude(source=citation.source).first()
    _, data, prefixes = case_form(admin_client, case)
    prefix = prefixes[Citation]
    index = next(
        i
        for i in range(int(data[f"{prefix}-TOTAL_FORMS"]))
        if data[f"{prefix}-{i}-id"] == citation.pk
    )
    data[f"{prefix}-{index}-section"] = elsewhere.pk
    response = admin_client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 200
    assert "出典資料の箇所から選んでください" in response.content.decode()
    assert Citation.objects.get(pk=citation.pk).section_id == citation.section_id
    # The same section with its own document is accepted.
    data[f"{prefix}-{index}-source"] = elsewhere.source_id
    response = admin_client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 302
    assert Citation.objects.get(pk=citation.pk).section_id == elsewhere.pk


# The loader -----------------------------------------------------------------------------------


def load(directory):
    call_command("load_catalogue", "--fixtures", str(directory), stdout=io.StringIO())


def edit_sources(directory, change):
    path = directory / "sources.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({record["key"]: record for record in records})
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def counts():
    return (
        SourceSection.objects.count(),
        list(SourceSection.objects.values_list("heading", flat=True)),
    )


def test_a_section_still_cited_cannot_leave_sources_yaml(fixtures_copy):
    def drop(sources):
        sources["2025-report"]["sections"] = [
            s for s in sources["2025-report"]["sections"] if s.get("number") != "4.(1)③(ii)"
        ]

    path = edit_sources(fixtures_copy, drop)
    before = counts()
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    message = str(error.value)
    assert str(path) in message
    assert "key '2025-report'" in message
    assert "section '4.(1)③(ii)' is gone from sources.yaml but rows still cite it" in message
    assert counts() == before


def test_two_sections_with_one_number_are_an_error(fixtures_copy):
    def repeat(sources):
        sections = sources["2025-report"]["sections"]
        sections.append({"number": "4.(3)", "heading": "もう一つの4.(3)"})

    path = edit_sources(fixtures_copy, repeat)
    before = counts()
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    assert str(path) in str(error.value)
    assert "('4.(3)')" in str(error.value)
    assert "the same section as sections[" in str(error.value)
    assert counts() == before


def test_a_page_added_in_sources_yaml_shows_on_the_case_page(fixtures_copy, client):
    def paginate(sources):
        for section in sources["2025-report"]["sections"]:
            if section.get("number") == "4.(1)③(ii)":
                section["page"] = "43"

    edit_sources(fixtures_copy, paginate)
    load(fixtures_copy)
    body = client.get(reverse("cases:case_detail", args=["ina-city"])).content.decode()
    assert "4.(1)③(ii) 長野県伊那市 p.43〜" in body


# What pages show ------------------------------------------------------------------------------


def test_the_case_page_cites_each_section_with_number_heading_and_page(client):
    body = html.unescape(client.get(reverse("cases:case_detail", args=["meets"])).content.decode())
    citations = oracles.yaml_cases()["meets"]["citations"]
    assert citations
    for row in citations:
        # Oracle: the case's file and sources.yaml (heading, and the page from the 目次).
        assert f"箇所：{oracles.yaml_section_display(row)}" in body
    column = next(r for r in citations if r["section"] == "～コラム3～")
    assert (
        "～コラム3～ 「ミーツ×コープさっぽろ」(成田 智哉 委員) p.31〜"
        in oracles.yaml_section_display(column)
    )


def test_a_citations_own_page_wins_over_its_sections(client):
    section = SourceSectionFactory(number="2.(1)", heading="見出し", page="10")
    citation = CitationFactory(source=section.source, section=section, page="12")
    assert citation.citation_line().endswith("2.(1) 見出し p.12")
    citation.page = ""
    assert citation.citation_line().endswith("2.(1) 見出し p.10〜")
