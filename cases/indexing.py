"""How a case is indexed: one pure derive() from a case's data to what search, sort and facets use.

derive() is the only place that says what a case's search text, sort keys and facet pairs
are. Its input, IndexData, is plain data: load() reads it from the database (for
Case.refresh_index() and `manage.py reindex`), and the synthetic generator builds it from the
rows it is about to write, so the bulk path cannot drift from the one editors use.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from .facets.definitions import facet_pairs
from .models import (
    Actor,
    Case,
    CaseFacet,
    CatalogueVersion,
    Citation,
    CommonFactor,
    Funding,
    Infrastructure,
    KeyFigure,
    Place,
)
from .text import normalize

DEFAULT_BATCH_SIZE = 1_000


@dataclass(frozen=True)
class PlaceData:
    name: str
    kind: str
    municipality: str  # as the site names it: 長野県塩尻市
    prefecture: str  # the place's own prefecture column, if set
    prefecture_code: str  # of the place's prefecture, or else its municipality's
    region: str

    @classmethod
    def of(cls, place, municipality, prefecture):
        """From a Place and its municipality and own prefecture (objects, or None)."""
        effective = prefecture or (municipality.prefecture if municipality else None)
        return cls(
            name=place.name,
            kind=place.kind,
            municipality=str(municipality) if municipality else "",
            prefecture=str(prefecture) if prefecture else "",
            prefecture_code=effective.code if effective else "",
            region=effective.region if effective else "",
        )


@dataclass(frozen=True)
class OrganizationData:
    name: str
    aliases: tuple
    kind: str
    slug: str = ""

    @classmethod
    def of(cls, organization):
        return cls(
            organization.name, tuple(organization.aliases), organization.kind, organization.slug
        )


@dataclass
class IndexData:
    """What a case's index is derived from; sequences in the order the detail page shows."""

    title: str
    summary: str = ""
    description: str = ""
    approach: str = ""
    type_2025: str = ""
    hub_type_2019: str = ""
    start_year: int | None = None
    kind: str = Case.Kind.CASE
    # The 類型 of the case this one is printed under as 参考事例 (cases.facets: TypeFacet).
    reference_type_2025: str = ""
    factor_numbers: list = field(default_factory=list)  # the 共通項 drawn from its group
    theme_keys: list = field(default_factory=list)
    places: list = field(default_factory=list)  # PlaceData
    # People stated by the population figures of the case's municipality places.
    populations: list = field(default_factory=list)
    organizations: list = field(default_factory=list)  # OrganizationData, one per actor
    funding_kinds: list = field(default_factory=list)
    # The slugs of the organisations that provide its funding (Funding.provider), when named.
    funder_slugs: list = field(default_factory=list)
    infrastructure: list = field(default_factory=list)  # (kind, name)
    sources: list = field(default_factory=list)  # (key, year), one per citation


@dataclass(frozen=True)
class Derived:
    search_text: str
    search_title: str
    population: int | None  # the largest stated population of its municipalities
    latest_source_year: int | None
    prefecture_code: str  # the lowest JIS code of its places' prefectures: north first
    facets: list  # sorted (facet, value) pairs

    def columns(self):
        """The Case columns, as a dict for update()."""
        return {
            "search_text": self.search_text,
            "search_title": self.search_title,
            "population": self.population,
            "latest_source_year": self.latest_source_year,
            "prefecture_code": self.prefecture_code,
        }


def derive(case):
    """Return the search text, sort keys and facet pairs of a case (an IndexData)."""
    parts = [case.title, case.summary, case.description, case.approach]
    for place in case.places:
        parts += [place.name, place.municipality, place.prefecture]
    for organization in case.organizations:
        parts += [organization.name, *organization.aliases]
    parts += [name for _kind, name in case.infrastructure]
    years = [year for _key, year in case.sources]
    codes = [place.prefecture_code for place in case.places if place.prefecture_code]
    return Derived(
        search_text=normalize("\n".join(part for part in parts if part)),
        search_title=normalize(case.title),
        population=max(case.populations) if case.populations else None,
        latest_source_year=max(years) if years else None,
        prefecture_code=min(codes, default=""),
        facets=facet_pairs(case),
    )


# 五十音 order, as a Japanese dictionary (JIS X 4061) has it: kana are first compared without
# their voicing marks and with small kana as large ones, a long-vowel mark counting as the vowel
# it lengthens; only then do voicing, size and the mark itself break the tie (code point order,
# which puts か before が before ぱ-less は, ぁ before あ). Spaces are not read.
_PLAIN = str.maketrans(
    "ぁぃぅぇぉゕゖっゃゅょゎがぎぐげござじずぜぞだぢづでどばぱびぴぶぷべぺぼぽゔ",
    "あいうえおかけつやゆよわかきくけこさしすせそたちつてとははひひふふへへほほう",
)
_VOWEL_OF = {
    kana: vowel
    for vowel, row in zip(
        "あいうえお",
        (
            "あかさたなはまやらわ",
            "いきしちにひみりゐ",
            "うくすつぬふむゆるん",  # ん: a long mark after it is read as う, as dictionaries do
            "えけせてねへめれゑ",
            "おこそとのほもよろを",
        ),
        strict=True,
    )
    for kana in row
}


def reading_key(reading):
    """The 五十音 sort key of a hiragana reading (Case.title_kana)."""
    text = "".join(reading.split())
    plain = []
    for kana in text.translate(_PLAIN):
        if kana == "ー":
            kana = _VOWEL_OF.get(plain[-1], "ー") if plain else "ー"
        plain.append(kana)
    return ("".join(plain), text)


def title_order_key(title_kana, title):
    """The 「事例名」 order: by reading (五十音), cases without one after, then by title."""
    return (not title_kana, reading_key(title_kana), title)


def is_counted_population(figure_kind, place_kind):
    """Whether a figure counts for population bands and sorting: a municipality's 人口."""
    return figure_kind == KeyFigure.Kind.POPULATION and place_kind == Place.Kind.MUNICIPALITY


# Reading from the database -------------------------------------------------------------------


def _by_case(queryset, model):
    """The rows of queryset grouped by case, each case's in the model's own order."""
    grouped = defaultdict(list)
    for row in queryset.order_by("case_id", *model._meta.ordering):
        grouped[row.case_id].append(row)
    return grouped


def load(case_ids):
    """Return {case id: IndexData} for the given cases (nine queries, whatever their number)."""
    cases = (
        Case.objects.filter(pk__in=case_ids)
        .select_related("reference_of")
        .only(
            "title",
            "summary",
            "description",
            "approach",
            "type_2025",
            "hub_type_2019",
            "start_year",
            "kind",
            "reference_of__type_2025",
        )
    )
    data = {
        case.pk: IndexData(
            title=case.title,
            summary=case.summary,
            description=case.description,
            approach=case.approach,
            type_2025=case.type_2025,
            hub_type_2019=case.hub_type_2019,
            start_year=case.start_year,
            kind=case.kind,
            reference_type_2025=case.reference_of.type_2025 if case.reference_of else "",
        )
        for case in cases
    }
    ids = list(data)
    themes = Case.themes.through.objects.filter(case_id__in=ids).order_by("case_id", "theme_id")
    for case_id, key in themes.values_list("case_id", "theme__key"):
        data[case_id].theme_keys.append(key)
    places = Place.objects.filter(case_id__in=ids).select_related(
        "municipality__prefecture", "prefecture"
    )
    for case_id, rows in _by_case(places, Place).items():
        data[case_id].places = [
            PlaceData.of(place, place.municipality, place.prefecture) for place in rows
        ]
    figures = KeyFigure.objects.filter(case_id__in=ids).values_list(
        "case_id", "kind", "place__kind", "value", "unit"
    )
    for case_id, kind, place_kind, value, unit in figures.order_by("case_id", "position", "id"):
        people = KeyFigure.people_in(value, unit)
        if people is not None and is_counted_population(kind, place_kind):
            data[case_id].populations.append(people)
    actors = Actor.objects.filter(case_id__in=ids).select_related("organization")
    for case_id, rows in _by_case(actors, Actor).items():
        data[case_id].organizations = [OrganizationData.of(actor.organization) for actor in rows]
    funding = Funding.objects.filter(case_id__in=ids).order_by("case_id", "position", "id")
    for case_id, kind, provider in funding.values_list("case_id", "kind", "provider__slug"):
        data[case_id].funding_kinds.append(kind)
        if provider:
            data[case_id].funder_slugs.append(provider)
    infrastructure = Infrastructure.objects.filter(case_id__in=ids)
    for case_id, kind, name in infrastructure.order_by("case_id", "position", "id").values_list(
        "case_id", "kind", "name"
    ):
        data[case_id].infrastructure.append((kind, name))
    factors = CommonFactor.cases.through.objects.filter(case_id__in=ids)
    for case_id, number in factors.order_by("case_id", "commonfactor__number").values_list(
        "case_id", "commonfactor__number"
    ):
        data[case_id].factor_numbers.append(number)
    citations = Citation.objects.filter(case_id__in=ids).order_by("case_id", "position", "id")
    for case_id, key, year in citations.values_list("case_id", "source__key", "source__year"):
        data[case_id].sources.append((key, year))
    return data


def write(derived):
    """Store {case id: Derived}: the Case columns and the CaseFacet rows (no version bump)."""
    for case_id, result in derived.items():
        Case.objects.filter(pk=case_id).update(**result.columns())
    CaseFacet.objects.filter(case_id__in=list(derived)).delete()
    CaseFacet.objects.bulk_create(
        CaseFacet(case_id=case_id, facet=facet, value=value)
        for case_id, result in derived.items()
        for facet, value in result.facets
    )


def refresh(cases, *, batch_size=DEFAULT_BATCH_SIZE, progress=None):
    """Re-derive and store the index of every case in the queryset, a batch per transaction.

    Tells running processes which cases changed (or, for more than a batch, to rebuild).
    `progress(n)` is called with the number of cases done after each batch. Returns the count.
    """
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic():
            write({case_id: derive(data) for case_id, data in load(batch).items()})
            if len(ids) <= batch_size:
                CatalogueVersion.bump(case_ids=batch)
        if progress:
            progress(len(batch))
    if len(ids) > batch_size:
        CatalogueVersion.bump()
    return len(ids)
