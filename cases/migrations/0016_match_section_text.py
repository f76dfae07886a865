"""Turn the section text every row once typed into a choice of its document's sections."""

from pathlib import Path

import yaml
from django.conf import settings
from django.db import migrations

from cases.sections import match_section

ROW_MODELS = (
    "Challenge",
    "CasePoint",
    "Citation",
    "Actor",
    "Funding",
    "Infrastructure",
    "KeyFigure",
    "Milestone",
)
SOURCES_FILE = Path(settings.BASE_DIR) / "fixtures" / "sources.yaml"


def sections_from_fixtures(path=SOURCES_FILE):
    """{source key: [(number, heading, page), …]} as fixtures/sources.yaml lists them."""
    if not path.exists():
        return {}
    records = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {
        record["key"]: [
            (str(s.get("number") or ""), str(s["heading"]), str(s.get("page") or ""))
            for s in record.get("sections") or []
        ]
        for record in records
    }


def match_section_text(apps, schema_editor, fixture_sections=None, report=print):
    """Give each document the sections the fixtures list (where it has none yet), then set
    every row's section and note from its text (cases.sections.match_section).

    Text that matches none of its document's sections is kept as a section of its own (its
    heading the text, no number, no page) and reported, so nothing is lost: load_catalogue
    then replaces it with the fixtures' rows, and audit_catalogue names any the fixtures lack.
    """
    db = schema_editor.connection.alias
    SourceDocument = apps.get_model("cases", "SourceDocument")
    SourceSection = apps.get_model("cases", "SourceSection")
    if fixture_sections is None:
        fixture_sections = sections_from_fixtures()
    sections = {}
    for source in SourceDocument.objects.using(db):
        existing = list(SourceSection.objects.using(db).filter(source=source))
        if not existing:
            existing = SourceSection.objects.using(db).bulk_create(
                SourceSection(
                    source=source, position=index, number=number, heading=heading, page=page
                )
                for index, (number, heading, page) in enumerate(
                    fixture_sections.get(source.key, [])
                )
            )
        sections[source.pk] = existing

    kept = {}  # (source, text) -> the section made for text that matched nothing
    for name in ROW_MODELS:
        for model_name, record_unknown in ((name, True), (f"Historical{name}", False)):
            rows = apps.get_model("cases", model_name).objects.using(db)
            # Rows share a few hundred texts: one UPDATE per (document, text), not per row, so
            # that a catalogue of a million rows (the 100,000-case bench) migrates in seconds.
            pairs = rows.order_by().values_list("source_id", "section_text").distinct()
            for source_id, text in list(pairs):
                section, note = match_section(sections.get(source_id, ()), text)
                if section is None and record_unknown:
                    if (source_id, note) not in kept:
                        known = sections.get(source_id, [])
                        kept[source_id, note] = SourceSection.objects.using(db).create(
                            source_id=source_id,
                            position=len(known) + len(kept),
                            heading=note[:200] or "（箇所の記載なし）",
                        )
                        report(f"  not among its document's sections, kept as a section: {note!r}")
                    section, note = kept[source_id, note], ""
                # History keeps what it recorded: a past row whose text matches nothing keeps
                # no section rather than an invented one.
                rows.filter(source_id=source_id, section_text=text).update(
                    section=section, section_note=note if section else ""
                )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_source_sections"),
    ]

    operations = [
        migrations.RunPython(match_section_text, migrations.RunPython.noop),
    ]
