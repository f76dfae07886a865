import factory

from cases.models import (
    Actor,
    Case,
    Citation,
    KeyFigure,
    Milestone,
    Municipality,
    Organization,
    Place,
    SourceDocument,
    SourceSection,
    Theme,
)


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument
        django_get_or_create = ["key"]

    key = factory.Sequence(lambda n: f"test-source-{n}")
    title = factory.Sequence(lambda n: f"試験用資料{n}")
    short_title = factory.Sequence(lambda n: f"試験資料{n}")
    issuer = "試験発行者"
    year = 2024


class SourceSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceSection
        django_get_or_create = ["source", "number"]

    source = factory.SubFactory(SourceDocumentFactory)
    number = "1.(1)"
    heading = factory.LazyAttribute(lambda section: f"試験の見出し{section.number}")


def section_of_source(number=None):
    """A row's section: the one numbered `number` of the row's own document (made if missing);
    by default the document's first section, so that a row citing a curated document adds no
    section to it (a new section is a change beyond the case, which rebuilds the index)."""

    def section(row):
        if number is None:
            first = row.source.sections.order_by("position").first()
            return first or SourceSectionFactory(source=row.source)
        return SourceSectionFactory(source=row.source, number=number)

    return factory.LazyAttribute(section)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    key = factory.Sequence(lambda n: f"test-theme-{n}")
    name = factory.Sequence(lambda n: f"試験テーマ{n}")
    short_name = factory.Sequence(lambda n: f"テーマ{n}")
    origin = Theme.Origin.CATALOGUE


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"試験組織{n}株式会社")
    kind = Organization.Kind.COMPANY


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-case-{n}")
    title = factory.Sequence(lambda n: f"試験事例{n}")
    title_kana = "しけんじれい"
    summary = "試験用の要約。"
    status = Case.Status.PUBLISHED

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    case = factory.SubFactory(CaseFactory)
    kind = Place.Kind.MUNICIPALITY
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(lg_code="015814"))
    name = factory.LazyAttribute(lambda place: place.municipality.name)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    case = factory.SubFactory(CaseFactory)
    source = factory.SubFactory(SourceDocumentFactory)
    section = section_of_source()


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    case = factory.SubFactory(CaseFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Actor.Role.OPERATOR
    source = factory.SubFactory(SourceDocumentFactory)
    section = section_of_source()


class KeyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigure

    case = factory.SubFactory(CaseFactory)
    kind = KeyFigure.Kind.POPULATION
    label = "人口"
    qualifier = "約"
    printed_value = "4"
    unit = "千人"
    as_printed = "約4千人"
    undated = True
    source = factory.SubFactory(SourceDocumentFactory)
    section = section_of_source()


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    case = factory.SubFactory(CaseFactory)
    year = 2020
    label = "試験の出来事"
    source = factory.SubFactory(SourceDocumentFactory)
    section = section_of_source()
