"""The curated data's integrity, as the catalogue promises it to readers."""

import unicodedata
from collections import Counter
from decimal import Decimal

import pytest

from cases.audit import NO_PLACE_STATED
from cases.models import Case, CaseType, KeyFigure, Organization, Place
from cases.text import normalize_organization_name

pytestmark = pytest.mark.django_db

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
    assert published().count() >= 60
    per_source = Counter(published().values_list("citations__source__key", flat=True))
    for key in ("2019-press-release", "2018-case-sheets", "2025-report", "2022-slides"):
        assert per_source[key] > 0, key


@pytest.mark.parametrize("case_type", list(CLASSIFICATION_2025), ids=str)
def test_2025_classification_is_reproduced_exactly(case_type):
    slugs = set(published().filter(type_2025=case_type).values_list("slug", flat=True))
    assert slugs == CLASSIFICATION_2025[case_type]


def test_only_cases_of_the_2025_report_are_classified():
    for case in published().exclude(type_2025=""):
        assert case.citations.filter(source__key="2025-report").exists(), case.slug


# How many records of each kind the catalogue publishes, and whether each must carry a theme.
# A reference (a foreign legal form, a concept, a working group's topic) may fit none of the
# themes: the Italian 「テリトリー」 is a way of drawing regions, not an initiative.
KINDS = {
    Case.Kind.CASE: {"published": 68, "needs_theme": True},
    Case.Kind.SCHEME: {"published": 3, "needs_theme": True},
    Case.Kind.REFERENCE: {"published": 9, "needs_theme": False},
}


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


def test_every_key_figure_is_dated_or_marked_undated_and_sourced():
    undated_without_flag = KeyFigure.objects.filter(as_of_year__isnull=True, undated=False)
    assert list(undated_without_flag) == []
    assert not KeyFigure.objects.filter(section="").exists()
    assert not KeyFigure.objects.filter(as_printed="").exists()


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


def test_every_municipal_place_has_a_real_lg_code():
    for place in Place.objects.filter(kind__in=[Place.Kind.MUNICIPALITY, Place.Kind.DISTRICT]):
        if place.kind == Place.Kind.MUNICIPALITY:
            assert place.municipality is not None, place
        if place.municipality:
            assert len(place.municipality.lg_code) == 6


def test_every_fact_row_has_a_section():
    for relation in (
        "actors",
        "funding",
        "infrastructure",
        "milestones",
        "challenges",
        "points",
        "citations",
    ):
        model = Case._meta.get_field(relation).related_model
        assert not model.objects.filter(section="").exists(), relation


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
