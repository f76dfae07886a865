"""The curated data's integrity, as the catalogue promises it to readers."""

import io
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db.models import F

from cases.audit import NO_PLACE_STATED
from cases.models import Case, CaseType, KeyFigure, Organization, Place, SourceDocument
from cases.text import normalize_organization_name
from tests import oracles

FIXTURES = Path(settings.CATALOGUE_FIXTURES_DIR)

pytestmark = pytest.mark.django_db

# The catalogue's size, exactly (`manage.py catalogue_report`): published records of each kind,
# and published records citing each of the five documents. Adding or retiring a case changes
# these tables. Whether a published record must carry a theme depends on its kind: a reference
# (a foreign legal form, a concept, a working group's topic) may fit none of the
# themes: the Italian 「テリトリー」 is a way of drawing regions, not an initiative.
KINDS = {
    Case.Kind.CASE: {"published": 68, "needs_theme": True},
    Case.Kind.SCHEME: {"published": 3, "needs_theme": True},
    Case.Kind.REFERENCE: {"published": 9, "needs_theme": False},
}
EXPECTED_PUBLISHED = sum(rules["published"] for rules in KINDS.values())
EXPECTED_PER_DOCUMENT = {
    "2018-case-sheets": 8,
    "2019-press-release": 3,
    "2019-report-summary": 3,
    "2022-slides": 53,
    "2025-report": 20,
}

# The 2025 report's own classification (003, chapter 4), and no other case.
CLASSIFICATION_2025 = {
    CaseType.COMMONS: {"meets", "kirari-yoshijima", "asahi-town-toyama"},
    CaseType.LOCAL_FIRM: {"local-energy", "kawata-construction", "maebashi-city"},
    CaseType.INDUSTRIAL_INNOVATION: {"sundred", "ina-city", "obihiro-city", "shiojiri-city"},
    CaseType.FINANCE: {"lifull-regional-fund", "village-house"},
    CaseType.PROFESSIONAL_TALENT: {"kddi", "softbank"},
}


def published():
    return Case.objects.published()


def test_the_catalogue_holds_the_cases_of_all_five_documents():
    assert published().count() == EXPECTED_PUBLISHED
    assert len(oracles.published_yaml_cases()) == EXPECTED_PUBLISHED
    assert set(SourceDocument.objects.values_list("key", flat=True)) == set(EXPECTED_PER_DOCUMENT)
    per_document = Counter(
        key
        for case in published().prefetch_related("citations__source")
        for key in {citation.source.key for citation in case.citations.all()}
    )
    assert dict(per_document) == EXPECTED_PER_DOCUMENT
    report = io.StringIO()
    call_command("catalogue_report", stdout=report)
    assert f"published cases: {EXPECTED_PUBLISHED}" in report.getvalue()
    for key, count in EXPECTED_PER_DOCUMENT.items():
        assert re.search(rf"^ *{count}  {re.escape(key)} ", report.getvalue(), re.M), key
    in_files = Counter(
        key
        for record in oracles.published_yaml_cases().values()
        for key in {row["source"] for row in record.get("citations") or []}
    )
    assert dict(in_files) == EXPECTED_PER_DOCUMENT


@pytest.mark.parametrize("case_type", list(CLASSIFICATION_2025), ids=str)
def test_2025_classification_is_reproduced_exactly(case_type):
    slugs = set(published().filter(type_2025=case_type).values_list("slug", flat=True))
    assert slugs == CLASSIFICATION_2025[case_type]


def test_only_cases_of_the_2025_report_are_classified():
    for case in published().exclude(type_2025=""):
        assert case.citations.filter(source__key="2025-report").exists(), case.slug


def test_the_catalogue_publishes_the_counted_records_of_each_kind():
    counts = Counter(published().values_list("kind", flat=True))
    assert counts == {kind: rules["published"] for kind, rules in KINDS.items()}


def test_every_published_case_has_summary_citation_place_and_theme():
    """Places may be empty only with the note; the pseudo-place is gone (cases.audit)."""
    problems = []
    for case in published().prefetch_related("citations", "places", "themes"):
        if not case.summary.strip():
            problems.append(f"{case.slug}: no summary")
        if not case.citations.all():
            problems.append(f"{case.slug}: no citation")
        # No place only where the sources state none, and the editor's note says so.
        if not case.places.all() and NO_PLACE_STATED not in case.editor_note:
            problems.append(f"{case.slug}: no place, and no note that the sources state none")
        if not case.themes.all() and KINDS[case.kind]["needs_theme"]:
            problems.append(f"{case.slug}: no theme")
    assert problems == []


def test_every_key_figure_in_the_files_is_dated_or_marked_undated_and_sourced():
    """The files, not the table (whose constraint already refuses an undated figure): a date
    as printed comes with its year, and a figure without one says so."""
    problems = []
    for slug, record in oracles.yaml_cases().items():
        for figure in record.get("figures") or []:
            label = f"{slug}: {figure.get('as_printed')}"
            if not figure.get("as_printed") or not figure.get("section"):
                problems.append(f"{label}: not as printed or no section")
            if figure.get("undated") and (figure.get("as_of_label") or figure.get("as_of_year")):
                problems.append(f"{label}: undated but dated")
            if not figure.get("undated") and not figure.get("as_of_year"):
                problems.append(f"{label}: no date and not marked undated")
            if figure.get("as_of_label") and not figure.get("as_of_year"):
                problems.append(f"{label}: a printed date without its year")
    assert problems == []


def test_figure_values_appear_in_the_printed_text():
    for figure in KeyFigure.objects.exclude(value=None):
        printed = figure.as_printed.replace(",", "").replace("，", "")
        assert figure.value == Decimal(figure.printed_value)
        assert figure.printed_value in unicodedata.normalize("NFKC", printed), (
            figure.case.slug,
            figure.as_printed,
        )


def test_population_figures_name_their_place():
    assert not KeyFigure.objects.filter(kind=KeyFigure.Kind.POPULATION, place=None).exists()


def test_no_two_organisations_share_a_normalised_name():
    keys = Counter(
        normalize_organization_name(name)
        for name in Organization.objects.values_list("name", flat=True)
    )
    assert [key for key, n in keys.items() if n > 1] == []


def test_aliases_do_not_point_to_two_organisations():
    owners = Counter()
    for organization in Organization.objects.all():
        for spelling in {organization.name, *organization.aliases}:
            owners[spelling] += 1
    assert [spelling for spelling, n in owners.items() if n > 1] == []


def test_every_municipal_place_names_the_municipality_of_its_code():
    """The code (the constraint checks it has six digits) is the municipality the document
    names: 厚真町 is 015814, not a neighbour's code."""
    wrong = [
        (place.case.slug, place.name, str(place.municipality))
        for place in Place.objects.filter(kind=Place.Kind.MUNICIPALITY).select_related(
            "case", "municipality__prefecture"
        )
        if place.municipality.name not in place.name and place.name not in str(place.municipality)
    ]
    assert wrong == []


def test_every_fact_row_names_a_section_of_its_own_document():
    # Oracle: the files alone. sources.yaml lists each document's sections; every row of every
    # case file must name one of its own document's (by number, or heading where it has none).
    sources = yaml.safe_load((FIXTURES / "sources.yaml").read_text(encoding="utf-8"))
    keys = {
        source["key"]: {s.get("number") or s["heading"] for s in source.get("sections", [])}
        for source in sources
    }
    unknown = []
    for path in sorted((FIXTURES / "cases").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for relation, rows in record.items():
            for row in rows if isinstance(rows, list) else []:
                named = isinstance(row, dict) and "source" in row
                if named and str(row.get("section")) not in keys[row["source"]]:
                    unknown.append((path.name, relation, row["source"], row.get("section")))
    assert unknown == []
    # And the database agrees: no row points at another document's section.
    for relation in (
        "actors",
        "funding",
        "infrastructure",
        "figures",
        "milestones",
        "challenges",
        "points",
        "citations",
    ):
        model = Case._meta.get_field(relation).related_model
        assert not model.objects.exclude(section__source=F("source")).exists(), relation


def test_foreign_reference_models_are_marked_foreign():
    foreign = published().filter(places__kind=Place.Kind.FOREIGN).distinct()
    assert foreign.filter(slug="stadtwerke-germany").exists()
    assert all(not case.type_2025 for case in foreign)


def test_figures_that_documents_disagree_on_are_both_kept():
    yonago = KeyFigure.objects.filter(
        case__slug="local-energy", kind=KeyFigure.Kind.POPULATION, place__name="米子市"
    )
    printed = {(f.source.key, f.as_printed.replace(" ", "")) for f in yonago}
    assert ("2025-report", "14.5万人") in printed
    assert ("2022-slides", "14.6万人") in printed


def test_the_cut_off_sentence_is_not_completed():
    case = Case.objects.get(slug="shiojiri-city")
    assert "core" in (case.description + case.editor_note)
    assert "途中" in case.editor_note or "切れ" in case.editor_note


def test_no_place_row_stands_in_for_a_missing_place():
    assert not Place.objects.filter(name__contains="記載なし").exists()
    placeless = published().filter(places=None)
    assert placeless.exists()  # the three cases whose documents name no place
    assert all(NO_PLACE_STATED in case.editor_note for case in placeless)
