"""The browse facets: which values a case has, and how many cases each option would give.

Every facet value of every case is stored as a CaseFacet row (see Case.refresh_index), so the
counts of all options of all facets come from one grouped query, whatever is selected.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Case,
    CaseFacet,
    CaseType,
    CommonFactor,
    Funding,
    HubType,
    Infrastructure,
    KeyFigure,
    Organization,
    Place,
    Prefecture,
    Region,
    SourceDocument,
    Theme,
)


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


class Scope:
    DOMESTIC = "domestic"
    FOREIGN = "foreign"
    CHOICES = ((DOMESTIC, _("国内")), (FOREIGN, _("海外")))


@dataclass
class Facet:
    param: str
    label: str
    choices: tuple = ()  # static (value, label) pairs; dynamic facets load theirs

    def options(self, labels):
        return list(self.choices) if self.choices else labels.get(self.param, [])


FACETS = (
    Facet("type", _("類型（2025年報告書）"), tuple(CaseType.choices)),
    Facet("hub", _("拠点の類型（2019年）"), tuple(HubType.choices)),
    Facet("theme", _("テーマ")),
    Facet("region", _("地方"), tuple(Region.choices)),
    Facet("pref", _("都道府県")),
    Facet("pop", _("人口規模（記載値）"), tuple((b.value, b.label) for b in POPULATION_BANDS)),
    Facet("org", _("関係主体の種別"), tuple(Organization.Kind.choices)),
    Facet("funding", _("資金の種別"), tuple(Funding.Kind.choices)),
    Facet("infra", _("基盤・施設の種別"), tuple(Infrastructure.Kind.choices)),
    Facet("source", _("出典資料")),
    Facet("scope", _("国内・海外"), Scope.CHOICES),
    Facet("kind", _("種別"), tuple(Case.Kind.choices)),
    Facet("factor", _("報告書が導いた共通項（2025年）")),
)
FACETS_BY_PARAM = {facet.param: facet for facet in FACETS}


def dynamic_labels():
    """Load the options of the facets whose values live in tables (4 queries)."""
    return {
        "theme": [(t.key, t.short_name or t.name) for t in Theme.objects.all()],
        "pref": [(p.code, p.name) for p in Prefecture.objects.all()],
        "source": [(s.key, s.short_title) for s in SourceDocument.objects.all()],
        "factor": [(str(f.number), str(f)) for f in CommonFactor.objects.all()],
    }


def facet_values_for(case):
    """Yield every (facet, value) pair that case belongs to."""
    yield ("kind", case.kind)
    if case.type_2025:
        yield ("type", case.type_2025)
    elif case.reference_of_id and case.reference_of.type_2025:
        # A 参考事例 the report prints under a classified case is found under that case's 類型,
        # though the report's table of classified cases (type_2025) leaves it out.
        yield ("type", case.reference_of.type_2025)
    if case.hub_type_2019:
        yield ("hub", case.hub_type_2019)
    for theme in case.themes.all():
        yield ("theme", theme.key)
    places = list(case.places.select_related("prefecture", "municipality__prefecture"))
    foreign = False
    for place in places:
        prefecture = place.prefecture or (place.municipality and place.municipality.prefecture)
        if prefecture:
            yield ("pref", prefecture.code)
            yield ("region", prefecture.region)
        foreign = foreign or place.kind == Place.Kind.FOREIGN
    yield ("scope", Scope.FOREIGN if foreign else Scope.DOMESTIC)
    for figure in case.figures.filter(
        kind=KeyFigure.Kind.POPULATION, place__kind=Place.Kind.MUNICIPALITY
    ):
        people = figure.people
        if people is not None:
            for band in POPULATION_BANDS:
                if band.contains(people):
                    yield ("pop", band.value)
    for kind in case.actors.values_list("organization__kind", flat=True):
        yield ("org", kind)
    for kind in case.funding.values_list("kind", flat=True):
        yield ("funding", kind)
    for kind in case.infrastructure.values_list("kind", flat=True):
        yield ("infra", kind)
    for key in case.citations.values_list("source__key", flat=True):
        yield ("source", key)
    for number in case.common_factors.values_list("number", flat=True):
        yield ("factor", str(number))


def _matches(facet, values, outer="pk"):
    return Exists(CaseFacet.objects.filter(case=OuterRef(outer), facet=facet, value__in=values))


def filter_by_facets(queryset, selected):
    """Keep cases matching every selected facet (values of one facet are alternatives)."""
    for facet, values in selected.items():
        if values:
            queryset = queryset.filter(_matches(facet, values))
    return queryset


@dataclass
class FacetCounts:
    counts: dict = field(default_factory=dict)  # (facet, value) -> count

    def get(self, facet, value):
        return self.counts.get((facet, value), 0)


def facet_counts(base, selected):
    """Count, for every option, the cases it would give with the other facets applied.

    `base` is the queryset before any facet (published, searched). One query.
    """
    selected = {facet: values for facet, values in selected.items() if values}
    conditions = {facet: _matches(facet, values, "case") for facet, values in selected.items()}

    def all_but(excluded):
        q = Q()
        for facet, condition in conditions.items():
            if facet != excluded:
                q &= condition
        return q

    unselected = [facet.param for facet in FACETS if facet.param not in selected]
    wanted = Q(facet__in=unselected) & all_but(None)
    for facet in selected:
        wanted |= Q(facet=facet) & all_but(facet)
    rows = (
        CaseFacet.objects.filter(case__in=base.values("pk"))
        .filter(wanted)
        .values_list("facet", "value")
        .annotate(n=Count("case_id"))
        .order_by()
    )
    return FacetCounts({(facet, value): n for facet, value, n in rows})


def build_facets(counts, selected, labels):
    """Return the facets as the page and the JSON show them: options with counts and state."""
    result = []
    for facet in FACETS:
        chosen = set(selected.get(facet.param, ()))
        options = []
        for value, label in facet.options(labels):
            count = counts.get(facet.param, value)
            if count or value in chosen:
                options.append(
                    {
                        "value": value,
                        "label": str(label),
                        "count": count,
                        "selected": value in chosen,
                    }
                )
        result.append({"param": facet.param, "label": str(facet.label), "options": options})
    return result
