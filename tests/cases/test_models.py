from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case, Funding, KeyFigure, Milestone, Municipality, Organization, Place
from cases.text import normalize, normalize_organization_name
from tests.factories import (
    CaseFactory,
    CitationFactory,
    KeyFigureFactory,
    OrganizationFactory,
    PlaceFactory,
    SourceDocumentFactory,
    SourceSectionFactory,
)

pytestmark = pytest.mark.django_db


def test_normalize_folds_width_and_case():
    assert normalize("ＫＡＢＵＬＥＴ　輪島") == "kabulet 輪島"


@pytest.mark.parametrize(
    "spelling",
    [
        "株式会社四万十ドラマ",
        "(株)四万十ドラマ",
        "（株）四万十ドラマ",
        "四万十ドラマ 株式会社",
        "㈱四万十ドラマ",
    ],
)
def test_organisation_spellings_share_one_key(spelling):
    assert normalize_organization_name(spelling) == normalize_organization_name("四万十ドラマ")


def test_organisation_spelling_variants_are_one_organisation():
    OrganizationFactory(name="株式会社試験商事")
    duplicate = Organization(name="試験商事　(株)", kind=Organization.Kind.COMPANY)
    with pytest.raises(ValidationError, match="同じ名称の組織"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_organisation_slug_is_derived_from_the_name():
    organization = OrganizationFactory(name="試験 協議会")
    assert organization.slug == "試験-協議会"
    assert unquote(organization.get_absolute_url()) == "/organizations/試験-協議会/"


def test_case_slug_must_be_ascii_kebab():
    case = Case(slug="Bad_Slug", title="t", summary="s")
    with pytest.raises(ValidationError, match="スラッグ"):
        case.full_clean()


def test_case_start_year_must_be_plausible():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(start_year=3000)


def test_funding_amount_cannot_be_negative():
    case = CaseFactory()
    section = SourceSectionFactory()
    funding = Funding(case=case, kind=Funding.Kind.DONATION, amount_yen=-1,
                      source=section.source, section=section)  # fmt: skip
    with pytest.raises(ValidationError):
        funding.full_clean()


def test_milestone_month_must_exist():
    section = SourceSectionFactory()
    milestone = Milestone(case=CaseFactory(), year=2020, month=13, label="x",
                          source=section.source, section=section)  # fmt: skip
    with pytest.raises(ValidationError, match="月は1から12"):
        milestone.full_clean()


def test_key_figure_needs_a_date_or_undated():
    figure = KeyFigureFactory.build(
        case=CaseFactory(), source=SourceDocumentFactory(), undated=False
    )
    with pytest.raises(ValidationError, match="時点"):
        figure.full_clean()
    figure.as_of_year = 2024
    figure.full_clean()


def test_place_of_kind_municipality_needs_a_municipality():
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.create(case=CaseFactory(), kind=Place.Kind.MUNICIPALITY, name="どこか")


def test_place_takes_its_prefecture_from_the_municipality():
    place = PlaceFactory()
    assert place.prefecture.name == "北海道"


@pytest.mark.parametrize(
    ("value", "unit", "people"),
    [("4", "千人", 4000), ("14.5", "万人", 145000), ("180", "名", 180), ("3", "%", None)],
)
def test_key_figure_people(value, unit, people):
    assert KeyFigure(value=Decimal(value), unit=unit).people == people


def test_refresh_index_records_facets_and_search_text():
    case = CaseFactory(title="ＫＡＢＵＬＥＴの試験")
    place = PlaceFactory(case=case)
    KeyFigureFactory(case=case, place=place, printed_value="4", unit="千人")
    CitationFactory(case=case)
    case.refresh_index()
    case.refresh_from_db()
    assert "kabuletの試験" in case.search_text
    assert case.search_title == "kabuletの試験"
    assert case.population == 4000
    facets = set(case.facet_values.values_list("facet", "value"))
    assert {
        ("pop", "lt10k"),
        ("region", "hokkaido"),
        ("pref", "01"),
        ("scope", "domestic"),
    } <= facets


def test_municipality_str_includes_the_prefecture():
    assert str(Municipality.objects.get(lg_code="202096")) == "長野県伊那市"


def test_citation_line_is_ready_to_paste():
    case = Case.objects.get(slug="meets")
    line = case.citations.filter(source__key="2025-report").first().citation_line()
    assert line.startswith("国土審議会 推進部会 地域生活圏専門委員会「地域生活圏")
    assert "令和7年（2025年）5月" in line


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (Case, ("meets",)),
        (Organization, ("生活協同組合コープさっぽろ",)),
        (Municipality, ("015814",)),
    ],
    ids=["case", "organization", "municipality"],
)
def test_natural_keys_round_trip(model, key):
    instance = model.objects.get_by_natural_key(*key)
    assert instance.natural_key() == key


def test_dumpdata_with_natural_keys_names_records_by_them():
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", "cases.actor", natural_foreign=True, natural_primary=True, stdout=out)
    actors = json.loads(out.getvalue())
    meets = [a for a in actors if a["fields"]["case"] == ["meets"]]
    assert ["生活協同組合コープさっぽろ"] in [a["fields"]["organization"] for a in meets]
