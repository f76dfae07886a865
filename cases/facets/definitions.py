"""The browse facets, one class each: its parameter, label, options, and a case's values.

As Django admin's FieldListFilter and Datasette's Facet classes do, each facet owns everything
about itself. Adding a facet is one class here (it registers itself, in the order written),
then `manage.py reindex` to write its values for every case, a line in the README's parameter
table and a test. The values are derived from a case's IndexData (cases.indexing), which both
the database and the synthetic generator produce, so there is one rule for each facet.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import (
    MAX_YEAR,
    MIN_YEAR,
    Case,
    CaseType,
    CommonFactor,
    Funding,
    HubType,
    Infrastructure,
    Organization,
    Place,
    Prefecture,
    Region,
    SourceDocument,
    Theme,
)
from ..text import normalize_organization_name, strip_control_characters

_registered = []  # one instance of every Facet subclass, in the order they are written


class Facet:
    """A browse facet. Subclasses set param and label, and choices or load_options()."""

    param = ""
    label = ""
    choices = ()  # static (value, label) pairs; facets whose values live in tables load them
    # Facets with more options than a page can list (thousands of organisations) set how many
    # the page shows, the largest by count, beside the chosen ones; None shows them all.
    top_options = None
    # The page offers a text box for this facet: an empty value is that box left empty.
    text_box = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _registered.append(cls())

    @property
    def dynamic(self):
        """Whether the options come from a table (and so change with the catalogue)."""
        return type(self).load_options is not Facet.load_options

    def load_options(self):
        """Read the (value, label) options from the database (facets without static choices)."""
        return list(self.choices)

    def options(self, labels):
        """The (value, label) options; labels holds what dynamic_labels() loaded."""
        return labels.get(self.param, []) if self.dynamic else list(self.choices)

    def values(self, case):
        """Return the values a case (an IndexData) has for this facet."""
        raise NotImplementedError

    def resolve(self, values, known):
        """[(value, the option it stands for, or None)] for the values sent in the URL; known:
        the option values."""
        return [(value, value if value in known else None) for value in values]


class TypeFacet(Facet):
    param = "type"
    label = _("類型（2025年報告書）")
    choices = tuple(CaseType.choices)

    def values(self, case):
        # A 参考事例 the report prints under a classified case (ナスコンバレー under SUNDRED) is
        # found under that case's 類型; its own type_2025 stays blank, as the report's table has it.
        type_2025 = case.type_2025 or case.reference_type_2025
        return [type_2025] if type_2025 else []


class HubFacet(Facet):
    param = "hub"
    label = _("拠点の類型（2019年）")
    choices = tuple(HubType.choices)

    def values(self, case):
        return [case.hub_type_2019] if case.hub_type_2019 else []


class ThemeFacet(Facet):
    param = "theme"
    label = _("テーマ")

    def load_options(self):
        return [(t.key, t.label) for t in Theme.objects.all()]

    def values(self, case):
        return case.theme_keys


class RegionFacet(Facet):
    param = "region"
    label = _("地方")
    choices = tuple(Region.choices)

    def values(self, case):
        return [place.region for place in case.places if place.region]


class PrefectureFacet(Facet):
    param = "pref"
    label = _("都道府県")

    def load_options(self):
        return [(p.code, p.name) for p in Prefecture.objects.all()]

    def values(self, case):
        return [place.prefecture_code for place in case.places if place.prefecture_code]


@dataclass(frozen=True)
class PopulationBand:
    value: str
    label: str
    low: int
    high: int | None  # exclusive; None is open-ended

    def contains(self, people):
        return people >= self.low and (self.high is None or people < self.high)


POPULATION_BANDS = (
    PopulationBand("lt10k", "1万人未満", 0, 10_000),
    PopulationBand("10k-50k", "1万〜5万人", 10_000, 50_000),
    PopulationBand("50k-100k", "5万〜10万人", 50_000, 100_000),
    PopulationBand("100k-300k", "10万〜30万人", 100_000, 300_000),
    PopulationBand("gte300k", "30万人以上", 300_000, None),
)


# The option of the cases no band holds: no population stated for any of their municipalities
# (or none to state: nationwide, prefecture-wide and foreign cases). It keeps the bands honest:
# 西粟倉村's documents print no population, so it is here and not under 1万人未満.
POPULATION_UNKNOWN = "unknown"


class PopulationFacet(Facet):
    """The bands of the populations stated for the case's municipalities (each one counts)."""

    param = "pop"
    label = _("人口規模（記載値）")
    choices = (
        *((band.value, band.label) for band in POPULATION_BANDS),
        (POPULATION_UNKNOWN, _("人口の記載なし")),
    )

    def values(self, case):
        if not case.populations:
            return [POPULATION_UNKNOWN]
        return [
            band.value
            for people in case.populations
            for band in POPULATION_BANDS
            if band.contains(people)
        ]


class OrganizationFacet(Facet):
    param = "org"
    label = _("関係主体の種別")
    choices = tuple(Organization.Kind.choices)

    def values(self, case):
        return [organization.kind for organization in case.organizations]


class OrganizationNameFacet(Facet):
    """The organisations a case names as actor or as funder: those its organisation page lists
    (cases.views.organization counts the same two)."""

    param = "organization"
    label = _("関係主体")
    top_options = 10
    text_box = True
    MAX_TYPED_LENGTH = 200  # longer than any organisation's name
    MAX_TYPED_VALUES = 5  # names looked up per request (a query each); others are set aside

    def load_options(self):
        return list(Organization.objects.public().values_list("slug", "name"))

    def values(self, case):
        slugs = [organization.slug for organization in case.organizations if organization.slug]
        return [*slugs, *case.funder_slugs]

    def resolve(self, values, known):
        """Slugs, or what a visitor typed in the facet's text box: a name or another spelling."""
        typed = [value for value in dict.fromkeys(values) if value not in known]
        names = {value: self.find(value, known) for value in typed[: self.MAX_TYPED_VALUES]}
        return [(value, value if value in known else names.get(value)) for value in values]

    def find(self, raw, known):
        """The slug of the one organisation named so, matched as the catalogue tells them apart
        (width, case, 株式会社 and spaces folded: cases.text.normalize_organization_name)."""
        key = normalize_organization_name(strip_control_characters(raw[: self.MAX_TYPED_LENGTH]))
        if not key:
            return None
        organizations = Organization.objects.all()
        found = set(organizations.filter(normalized_name=key).values_list("slug", flat=True))
        if not found:  # other spellings are a JSON list, which no lookup folds: read them
            spelled = organizations.exclude(aliases=[]).values_list("slug", "aliases")
            found = {
                slug
                for slug, aliases in spelled
                if key in {normalize_organization_name(alias) for alias in aliases}
            }
        # Two organisations may share another spelling: then the text names neither.
        return found.pop() if len(found) == 1 and found <= known else None


class FundingFacet(Facet):
    param = "funding"
    label = _("資金の種別")
    choices = tuple(Funding.Kind.choices)

    def values(self, case):
        return case.funding_kinds


class InfrastructureFacet(Facet):
    param = "infra"
    label = _("基盤・施設の種別")
    choices = tuple(Infrastructure.Kind.choices)

    def values(self, case):
        return [kind for kind, _name in case.infrastructure]


class SourceFacet(Facet):
    param = "source"
    label = _("出典資料")

    def load_options(self):
        # Documents cited by drafts alone are not options: their titles are unpublished work.
        return [(s.key, s.short_title) for s in SourceDocument.objects.public()]

    def values(self, case):
        return [key for key, _year in case.sources]


class Scope:
    DOMESTIC = "domestic"
    FOREIGN = "foreign"
    CHOICES = ((DOMESTIC, _("国内")), (FOREIGN, _("海外")))


class ScopeFacet(Facet):
    """Every case is domestic or foreign: foreign when any of its places is abroad."""

    param = "scope"
    label = _("国内・海外")
    choices = Scope.CHOICES

    def values(self, case):
        foreign = any(place.kind == Place.Kind.FOREIGN for place in case.places)
        return [Scope.FOREIGN if foreign else Scope.DOMESTIC]


def decade_of(year):
    """A start year's decade as a facet value: 2016 -> "2010s"."""
    return f"{year // 10 * 10}s"


class StartDecadeFacet(Facet):
    """The decade the case began, as its start year (a dated milestone) gives it."""

    param = "started"
    label = _("開始の年代")
    choices = tuple(
        (decade_of(year), f"{year}年代") for year in range(MIN_YEAR // 10 * 10, MAX_YEAR + 1, 10)
    )

    def values(self, case):
        return [decade_of(case.start_year)] if case.start_year else []


class SeveralSourcesFacet(Facet):
    """Cases that more than one document describes: their pages say what changed between them."""

    param = "in_several_sources"
    label = _("掲載資料の数")
    choices = (("1", _("複数の資料に掲載")),)

    def values(self, case):
        return ["1"] if len({key for key, _year in case.sources}) > 1 else []


class KindFacet(Facet):
    param = "kind"
    label = _("種別")
    choices = tuple(Case.Kind.choices)

    def values(self, case):
        return [case.kind]


class CommonFactorFacet(Facet):
    """The 2025 report's 共通項 (4.(3)) drawn from the group of cases this case belongs to."""

    param = "factor"
    label = _("報告書が導いた共通項（2025年）")

    def load_options(self):
        return [(str(factor.number), str(factor)) for factor in CommonFactor.objects.all()]

    def values(self, case):
        return [str(number) for number in case.factor_numbers]


FACETS = tuple(_registered)
FACETS_BY_PARAM = {facet.param: facet for facet in FACETS}


def dynamic_labels():
    """Load the options of the facets whose values live in tables (one query each)."""
    return {facet.param: facet.load_options() for facet in FACETS if facet.dynamic}


def facet_pairs(case):
    """Every (facet, value) pair a case (an IndexData) belongs to, sorted, once each."""
    return sorted({(facet.param, value) for facet in FACETS for value in facet.values(case)})
