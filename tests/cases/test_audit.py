"""cases.audit and manage.py audit_catalogue: clean on the curated data, loud on a broken case."""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from cases.audit import NO_PLACE_STATED, UNITS, audit, check_figures
from cases.models import Actor, Case, KeyFigure, Organization, Place
from tests.factories import (
    ActorFactory,
    CaseFactory,
    CitationFactory,
    KeyFigureFactory,
    MilestoneFactory,
    OrganizationFactory,
    PlaceFactory,
    SourceSectionFactory,
)


def run_audit(*slugs):
    out = io.StringIO()
    call_command("audit_catalogue", *slugs, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_curated_catalogue_has_no_problems():
    assert audit() == []
    assert f"No problems in {Case.objects.count()} case(s)." in run_audit()


@pytest.fixture
def broken_case(db):
    case = CaseFactory(slug="broken-case", start_year=None)
    PlaceFactory(case=case, kind=Place.Kind.AREA, municipality=None, name="所在地記載なし")
    operator = OrganizationFactory(name="試験法人株式会社")
    ActorFactory(case=case, organization=operator, role=Actor.Role.OPERATOR)
    ministry = OrganizationFactory(name="試験省", kind=Organization.Kind.NATIONAL)
    ActorFactory(case=case, organization=ministry, role=Actor.Role.INVESTOR)
    MilestoneFactory(case=case, year=2019, label="試験法人株式会社を設立")
    # Rounded: the document prints 383.1.
    KeyFigureFactory(
        case=case,
        kind="area",
        label="面積",
        qualifier="",
        printed_value="383",
        unit="km²",
        as_printed="383.1km²",
    )
    # 最大 dropped: reads as exactly 12 hours.
    KeyFigureFactory(
        case=case,
        kind="other",
        label="時間",
        qualifier="",
        printed_value="12",
        unit="時間",
        as_printed="最大12時間",
    )
    # The unit does not rebuild the print: 約4千人 stored as 4 人.
    KeyFigureFactory(case=case, qualifier="約", printed_value="4", unit="人", as_printed="約4千人")
    KeyFigureFactory(
        case=case,
        kind="other",
        label="割合",
        qualifier="",
        printed_value="80",
        unit="％",
        as_printed="80％",
    )
    # A lone printed number left out of value, and not marked text-only.
    KeyFigureFactory(
        case=case,
        kind="other",
        label="社数",
        qualifier="",
        printed_value="",
        unit="",
        as_printed="53社",
    )
    # Printed with one decimal place, stored without it.
    KeyFigureFactory(
        case=case,
        kind="other",
        label="面積",
        qualifier="",
        printed_value="603",
        unit="km²",
        as_printed="603.0km²",
    )
    return case


def test_a_broken_case_is_reported_check_by_check(broken_case):
    problems = audit(Case.objects.filter(pk=broken_case.pk))
    checks = sorted(problem.check for problem in problems)
    assert checks == [
        "place",
        "precision",
        "precision",
        "qualifier",
        "rebuild",
        "role",
        "start_year",
        "unit",
        "value",
    ]
    messages = "\n".join(map(str, problems))
    for expected in (
        "所在地記載なし",
        "383.1km²",
        "603.0km²",
        "最大12時間",
        "約4千人",
        "％",
        "試験省",
        "2019",
    ):
        assert expected in messages


def test_the_command_lists_problems_per_case_and_fails(broken_case):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"9 problem\(s\) in 1 of 1 case\(s\)"):
        call_command("audit_catalogue", "broken-case", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "broken-case"
    assert len(lines) == 10
    assert all(line.startswith("  [") for line in lines[1:])


@pytest.mark.django_db
def test_an_unknown_slug_is_a_clear_error():
    with pytest.raises(CommandError, match="No case has the slug: no-such-case"):
        run_audit("no-such-case")


@pytest.mark.django_db
def test_a_case_without_places_needs_the_note():
    case = CaseFactory(slug="placeless")
    assert [p.check for p in audit(Case.objects.filter(pk=case.pk))] == ["place"]
    case.editor_note = f"資料に実施地域の記述がない（{NO_PLACE_STATED}）。"
    case.save()
    assert audit(Case.objects.filter(pk=case.pk)) == []


@pytest.mark.django_db
def test_a_published_case_needs_the_reading_of_its_title():
    case = CaseFactory(slug="unread", title_kana="", editor_note=NO_PLACE_STATED)
    assert [p.check for p in audit(Case.objects.filter(pk=case.pk))] == ["title_kana"]
    # A draft may wait for its reading, a case awaiting review may not (publishing needs a
    # clean audit); spaces alone are no reading.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    assert audit(Case.objects.filter(pk=case.pk)) == []
    Case.objects.filter(pk=case.pk).update(status=Case.Status.REVIEW)
    assert [p.check for p in audit(Case.objects.filter(pk=case.pk))] == ["title_kana"]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PUBLISHED, title_kana="\u3000")
    assert [p.check for p in audit(Case.objects.filter(pk=case.pk))] == ["title_kana"]
    Case.objects.filter(pk=case.pk).update(title_kana="よみ")
    assert audit(Case.objects.filter(pk=case.pk)) == []


@pytest.mark.parametrize(
    ("reading", "valid"),
    [
        ("けーでぃーでぃーあい しんさてらいと", True),
        ("ながのけん\u3000いなし", True),
        ("ケーディーディーアイ", False),  # katakana
        ("KDDI", False),
        ("長野", False),
        ("いな・し", False),
        ("いなし（ながの）", False),
    ],
)
def test_the_reading_is_hiragana_long_marks_and_spaces(reading, valid):
    from django.core.exceptions import ValidationError

    field = Case._meta.get_field("title_kana")
    if valid:
        field.run_validators(reading)
    else:
        with pytest.raises(ValidationError, match="ひらがな"):
            field.run_validators(reading)


@pytest.mark.django_db
def test_start_year_needs_a_milestone_of_its_year():
    case = CaseFactory(slug="undated-start", start_year=2015, editor_note=NO_PLACE_STATED)
    assert [p.check for p in audit(Case.objects.filter(pk=case.pk))] == ["start_year"]
    MilestoneFactory(case=case, year=2015, label="事業を開始")
    assert audit(Case.objects.filter(pk=case.pk)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [CitationFactory, ActorFactory, KeyFigureFactory])
def test_a_row_naming_another_documents_section_is_a_problem(factory):
    case = CaseFactory(slug="mixed-sections", editor_note=NO_PLACE_STATED)
    row = factory(case=case)
    assert audit(Case.objects.filter(pk=case.pk)) == []
    # Past the form and the loader (both refuse it), as the shell or a bulk update could.
    elsewhere = SourceSectionFactory(number="9.(9)")
    assert elsewhere.source_id != row.source_id
    type(row).objects.filter(pk=row.pk).update(section=elsewhere)
    problems = audit(Case.objects.filter(pk=case.pk))
    assert [p.check for p in problems] == ["section"]
    assert "9.(9)" in problems[0].message
    type(row).objects.filter(pk=row.pk).update(source=elsewhere.source)
    assert audit(Case.objects.filter(pk=case.pk)) == []


def figure_problems(value=None, **fields):
    printed_value = "" if value is None else format(value, "f")
    figure = KeyFigure(label="試験", printed_value=printed_value, **fields)
    figure.value = KeyFigure.number(printed_value)
    case = SimpleNamespace(slug="x", figures=SimpleNamespace(all=lambda: [figure]))
    return [problem.check for problem in check_figures(case)]


SUFFIXES = ["", "以上", "超", "未満", "以下", "程度", "強", "弱", "余"]
numbers = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)


@given(
    number=numbers,
    prefix=st.sampled_from(["", "約", "最大"]),
    suffix=st.sampled_from(SUFFIXES),
    unit=st.sampled_from(sorted(UNITS - {""})),
)
def test_a_figure_printed_from_its_parts_passes(number, prefix, suffix, unit):
    text = format(number, "f")
    qualifier = "・".join(q for q in (prefix, suffix) if q)
    if qualifier not in KeyFigure.Qualifier.values:
        qualifier = prefix or suffix
        prefix, suffix = (prefix, "") if prefix else ("", suffix)
    printed = f"{prefix}{text}{unit}{suffix}"
    assert figure_problems(qualifier=qualifier, value=number, unit=unit, as_printed=printed) == []


@given(number=numbers, delta=st.decimals(min_value="0.01", max_value=100, places=2))
def test_a_value_that_differs_from_the_print_is_caught(number, delta):
    printed = f"{format(number, 'f')}人"
    assert figure_problems(value=number + delta, unit="人", as_printed=printed) == ["precision"]


def test_the_value_keeps_the_printed_precision():
    assert figure_problems(value=Decimal("383.0"), unit="km²", as_printed="383.0km²") == []
    assert figure_problems(value=Decimal("383"), unit="km²", as_printed="383.0km²") == ["precision"]
    assert figure_problems(value=Decimal("383.0"), unit="km²", as_printed="383km²") == ["precision"]


def test_a_text_only_figure_has_no_value_and_a_lone_number_is_stored():
    assert figure_problems(text_only=True, as_printed="官：民＝1：9") == []
    assert figure_problems(
        text_only=True, value=Decimal("2"), qualifier="以上", as_printed="2/3以上"
    ) == ["text_only"]
    assert figure_problems(as_printed="1時間15分") == ["value"]


@pytest.mark.django_db
def test_a_reference_label_left_without_its_case_is_reported():
    sundred = CaseFactory(slug="printed-under", editor_note=NO_PLACE_STATED)
    case = CaseFactory(
        slug="reference-case",
        editor_note=NO_PLACE_STATED,
        reference_of=sundred,
        reference_label="参考事例①",
    )
    assert audit(Case.objects.filter(pk=case.pk)) == []
    sundred.delete()
    problems = audit(Case.objects.filter(pk=case.pk))
    assert [p.check for p in problems] == ["reference"]
    assert "参考事例①" in problems[0].message


def test_the_admin_lists_what_the_audit_faults(admin_client):
    from django.urls import reverse

    from tests.factories import CaseFactory, KeyFigureFactory

    broken = CaseFactory(title="監査で指摘される事例")
    KeyFigureFactory(
        case=broken, as_printed="約12時間", qualifier="", printed_value="12", unit="時間"
    )
    assert any(problem.case == broken.slug for problem in audit(Case.objects.filter(pk=broken.pk)))
    url = reverse("admin:cases_case_changelist")

    def listed(value):
        return set(admin_client.get(url, {"audit": value}).context["cl"].queryset)

    # The curated catalogue passes the audit: only the broken case is faulted.
    assert listed("problems") == {broken}
    assert listed("clean") == set(Case.objects.exclude(pk=broken.pk))
