"""Synthetic cases for measuring the site at scale (see the generate_synthetic_cases command).

The generator composes realistic cases from the vocabulary of the curated catalogue already in
the database (titles, summaries, descriptions, infrastructure, organisations, sections) and the
real municipalities, and writes them with bulk_create. It fills the derived columns and the
CaseFacet rows itself, with cases.indexing.derive() as Case.refresh_index() does, from the rows
it is about to write, because reading 100,000 cases back to index them would take far too long.

Everything it creates is marked so that it can be removed again: case slugs start with
``synthetic-``; organisation names start with 「試験」 and their slugs with ``synthetic-org-``.
Nothing here touches the fixture files.
"""

import random
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from cases import models as catalogue_models
from cases.indexing import IndexData, OrganizationData, PlaceData, derive, is_counted_population
from cases.models import (
    Actor,
    Case,
    CaseFacet,
    CasePoint,
    CaseType,
    Challenge,
    Citation,
    Funding,
    HubType,
    Infrastructure,
    KeyFigure,
    Milestone,
    Municipality,
    Organization,
    Place,
    Prefecture,
    SourceDocument,
    SourceSection,
    Theme,
)
from cases.text import normalize_organization_name

CASE_SLUG_PREFIX = "synthetic-"
ORGANIZATION_NAME_PREFIX = "試験"
ORGANIZATION_SLUG_PREFIX = "synthetic-org-"
# What load_catalogue and export_catalogue are told to leave alone (--ignore-prefix): the
# catalogue knows nothing of synthetic data, so the bench names its own. It covers both slugs.
IGNORE_PREFIX = CASE_SLUG_PREFIX
DEFAULT_BATCH_SIZE = 2_000
DEFAULT_ORGANIZATION_POOL = 2_000


class SyntheticDataError(Exception):
    """The database lacks what the generator composes cases from."""


def synthetic_cases():
    return Case.objects.filter(slug__startswith=CASE_SLUG_PREFIX)


def synthetic_organizations():
    return Organization.objects.filter(
        name__startswith=ORGANIZATION_NAME_PREFIX, slug__startswith=ORGANIZATION_SLUG_PREFIX
    )


def curated_cases():
    return Case.objects.exclude(slug__startswith=CASE_SLUG_PREFIX)


# Distributions ---------------------------------------------------------------------------------
# Shaped on the curated catalogue (73 cases): most cases have one place, a few actors, one
# citation; 80 % have no 2025 類型.

TYPE_WEIGHTS = [
    ("", 80),
    (CaseType.COMMONS, 4),
    (CaseType.LOCAL_FIRM, 4),
    (CaseType.INDUSTRIAL_INNOVATION, 5),
    (CaseType.FINANCE, 3.5),
    (CaseType.PROFESSIONAL_TALENT, 3.5),
]
HUB_WEIGHTS = [("", 94), (HubType.COWORKING, 3), (HubType.RESOURCE_DISCOVERY, 3)]
THEME_COUNT_WEIGHTS = [(1, 30), (2, 45), (3, 17), (4, 7), (5, 1)]
PLACE_COUNT_WEIGHTS = [(1, 75), (2, 13), (3, 7), (4, 3), (5, 2)]
FIRST_PLACE_KIND_WEIGHTS = [
    (Place.Kind.MUNICIPALITY, 82),
    (Place.Kind.AREA, 6),
    (Place.Kind.PREFECTURE, 6),
    (Place.Kind.NATIONWIDE, 3),
    (Place.Kind.FOREIGN, 3),
]
OTHER_PLACE_KIND_WEIGHTS = [
    (Place.Kind.MUNICIPALITY, 60),
    (Place.Kind.DISTRICT, 20),
    (Place.Kind.AREA, 10),
    (Place.Kind.PREFECTURE, 10),
]
ACTOR_COUNT_WEIGHTS = [
    (0, 10),
    (1, 24),
    (2, 18),
    (3, 14),
    (4, 10),
    (5, 8),
    (6, 6),
    (7, 4),
    (9, 3),
    (12, 2),
    (20, 1),
]
FUNDING_COUNT_WEIGHTS = [(0, 55), (1, 30), (2, 10), (3, 5)]
INFRASTRUCTURE_COUNT_WEIGHTS = [(0, 35), (1, 30), (2, 20), (3, 10), (5, 5)]
OTHER_FIGURE_COUNT_WEIGHTS = [(0, 35), (1, 30), (2, 20), (3, 10), (5, 5)]
CITATION_COUNT_WEIGHTS = [(1, 75), (2, 18), (3, 7)]
MILESTONE_COUNT_WEIGHTS = [(0, 55), (1, 20), (2, 15), (3, 10)]
CHALLENGE_COUNT_WEIGHTS = [(0, 65), (1, 15), (2, 12), (3, 8)]
POINT_COUNT_WEIGHTS = [(0, 70), (1, 12), (2, 10), (4, 8)]
ORGANIZATION_KIND_WEIGHTS = [
    (Organization.Kind.COMPANY, 36),
    (Organization.Kind.MUNICIPALITY, 22),
    (Organization.Kind.OTHER, 8),
    (Organization.Kind.NATIONAL, 6),
    (Organization.Kind.UNIVERSITY, 6),
    (Organization.Kind.COUNCIL, 6),
    (Organization.Kind.ASSOCIATION, 5),
    (Organization.Kind.FINANCIAL, 3),
    (Organization.Kind.NPO, 3),
    (Organization.Kind.COOPERATIVE, 2),
    (Organization.Kind.COMMUNITY, 1),
    (Organization.Kind.SOCIAL_WELFARE, 1),
    (Organization.Kind.FOREIGN, 1),
]
# Legal forms and endings, as the real organisation names use them, by kind.
ORGANIZATION_ENDINGS = {
    Organization.Kind.COMPANY: ["株式会社", "合同会社", "ホールディングス", "ラボ株式会社"],
    Organization.Kind.NATIONAL: ["地方整備局", "地域振興局", "事務所"],
    Organization.Kind.UNIVERSITY: ["大学", "工業高等専門学校", "研究所"],
    Organization.Kind.COUNCIL: ["協議会", "推進協議会", "コンソーシアム", "広域連合"],
    Organization.Kind.ASSOCIATION: ["振興公社", "まちづくり機構", "財団"],
    Organization.Kind.FINANCIAL: ["銀行", "信用金庫", "信用組合"],
    Organization.Kind.NPO: ["ネットワーク", "の会", "応援団"],
    Organization.Kind.COOPERATIVE: ["農業協同組合", "漁業協同組合", "森林組合", "生活協同組合"],
    Organization.Kind.COMMUNITY: ["自治会", "まちづくり委員会", "地区振興会"],
    Organization.Kind.SOCIAL_WELFARE: ["福祉会", "福祉事業団"],
    Organization.Kind.FOREIGN: [" Inc.", " GmbH", " Ltd."],
    Organization.Kind.OTHER: ["プロジェクト", "研究会", "事業部"],
}
ROLE_WEIGHTS = [
    (Actor.Role.OPERATOR, 23),
    (Actor.Role.MEMBER, 22),
    (Actor.Role.PARTNER, 22),
    (Actor.Role.OTHER, 12),
    (Actor.Role.SUPPORTER, 9),
    (Actor.Role.FOUNDER, 7),
    (Actor.Role.INVESTOR, 3),
    (Actor.Role.CONTRACTOR, 1),
    (Actor.Role.CLIENT, 1),
]
AREA_SUFFIXES = ["北部地域", "南部地域", "東部地域", "西部地域", "中部地域", "沿岸地域", "山間地域"]
DISTRICT_SUFFIXES = ["中心市街地", "駅前地区", "旧町地区", "集落", "本町地区", "港地区"]
FOREIGN_PLACES = ["米国", "英国", "ドイツ", "フランス"]
# Typical populations by the municipality's ending (median people, spread of the log).
POPULATION_SHAPES = {
    "区": (180_000, 0.7),
    "市": (60_000, 0.9),
    "町": (12_000, 0.8),
    "村": (3_000, 0.8),
}


def _weighted(pairs):
    values = [value for value, _ in pairs]
    return values, list(accumulate(weight for _, weight in pairs))


class _Choice:
    """A weighted choice, prepared once (random.choices with cumulative weights)."""

    def __init__(self, pairs):
        self.values, self.cumulative = _weighted(pairs)

    def __call__(self, rng):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


# Vocabulary ------------------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^。]+。?")
_TITLE_SPLIT = re.compile(r"[（）()「」『』、／×]")
_KATAKANA_WORD = re.compile(r"[ァ-ヴー]{3,}|[A-Za-z]{3,}")


def _sentences(texts):
    found = []
    for text in texts:
        for paragraph in (text or "").split("\n"):
            found += [s.strip() for s in _SENTENCE.findall(paragraph) if len(s.strip()) > 8]
    return found


def _strip_municipality_suffix(name):
    return name[:-1] if len(name) > 2 and name[-1] in "市町村区" else name


@dataclass
class Vocabulary:
    """What the curated catalogue offers to compose synthetic cases from."""

    title_fragments: list
    summary_sentences: list
    summary_lengths: list
    description_sentences: list
    description_lengths: list
    approaches: list
    editor_notes: list
    brand_words: list
    infrastructure: list  # (kind, name, description)
    other_figures: list  # dicts of KeyFigure fields
    funding: list  # dicts of Funding fields (without provider)
    milestones: list  # (year, month, date_as_printed, label)
    challenges: list
    points: list  # (point, text)
    actor_notes: list
    citation_notes: list
    sections: dict  # source key -> [section]
    source_weights: list  # (SourceDocument, weight)
    theme_weights: list  # (Theme, weight)
    municipalities: list
    prefectures: list
    foreign_places: list
    populations: dict = field(default_factory=dict)  # municipality pk -> people
    # fragment -> the reading (title_kana) of the curated title it was cut from: a synthetic
    # title's reading is its place's kana and this, so the 「事例名」 sort has readings to order.
    fragment_readings: dict = field(default_factory=dict)


def load_vocabulary(seed=0):
    """Read the curated catalogue and the reference data (a few queries)."""
    cases = list(curated_cases())
    municipalities = list(Municipality.objects.select_related("prefecture").order_by("lg_code"))
    sources = list(SourceDocument.objects.order_by("key"))
    themes = list(Theme.objects.all())
    if not cases or not municipalities or not sources or not themes:
        raise SyntheticDataError(
            "The curated catalogue is not loaded (no cases, municipalities, sources or themes): "
            "run `manage.py load_catalogue` first."
        )
    curated = curated_cases().values("pk")

    fragments = []
    fragment_readings = {}
    for case in cases:
        pieces = [
            piece.strip()
            for piece in _TITLE_SPLIT.split(case.title)
            # Keep what a case does (公共交通の再構築), not where (長野県塩尻市).
            if 3 <= len(piece.strip()) <= 40 and piece.strip()[-1] not in "市町村区県都府道"
        ]
        fragments += pieces
        for piece in pieces:
            fragment_readings.setdefault(piece, case.title_kana)
    organization_names = Organization.objects.exclude(
        slug__startswith=ORGANIZATION_SLUG_PREFIX
    ).values_list("name", flat=True)
    infrastructure = list(
        Infrastructure.objects.filter(case__in=curated).values_list("kind", "name", "description")
    )
    brand_words = sorted(
        {
            word
            for text in [*organization_names, *(name for _, name, _ in infrastructure)]
            for word in _KATAKANA_WORD.findall(text)
            if len(word) <= 12
        }
    ) or ["ローカル", "コモンズ"]

    citation_rows = list(
        Citation.objects.filter(case__in=curated).values_list("source__key", "section_id", "note")
    )
    sections = {source.key: [] for source in sources}
    for key, section, _ in citation_rows:
        sections[key].append(section)
    # Rows cite a section of their document (by id): a document no curated case cites lends
    # its first section.
    for key, found in sections.items():
        if not found:
            first = SourceSection.objects.filter(source__key=key).order_by("position").first()
            if first is None:
                raise SyntheticDataError(f"The source document {key!r} has no sections.")
            found.append(first.pk)
    cited = {key: len(found) for key, found in sections.items()}

    theme_counts = {theme.pk: 0 for theme in themes}
    for theme_id in Case.themes.through.objects.filter(case__in=curated).values_list(
        "theme_id", flat=True
    ):
        theme_counts[theme_id] += 1

    figure_fields = (
        "kind",
        "label",
        "qualifier",
        "value",
        "unit",
        "as_printed",
        "as_of_label",
        "as_of_year",
        "as_of_month",
        "undated",
    )
    funding_fields = ("kind", "amount_yen", "amount_as_printed", "year", "month")
    funding_fields += ("date_as_printed", "note")
    vocabulary = Vocabulary(
        title_fragments=fragments or [case.title for case in cases],
        fragment_readings=fragment_readings or {case.title: case.title_kana for case in cases},
        summary_sentences=_sentences(case.summary for case in cases) or ["試験用の要約。"],
        summary_lengths=[len(case.summary) for case in cases],
        description_sentences=_sentences(case.description for case in cases),
        description_lengths=[len(case.description) for case in cases],
        approaches=[case.approach for case in cases if case.approach],
        editor_notes=[case.editor_note for case in cases if case.editor_note],
        brand_words=brand_words,
        infrastructure=infrastructure,
        other_figures=list(
            KeyFigure.objects.filter(case__in=curated)
            .exclude(kind=KeyFigure.Kind.POPULATION)
            .values(*figure_fields)
        ),
        funding=list(Funding.objects.filter(case__in=curated).values(*funding_fields)),
        milestones=list(
            Milestone.objects.filter(case__in=curated).values_list(
                "year", "month", "date_as_printed", "label"
            )
        ),
        challenges=list(Challenge.objects.filter(case__in=curated).values_list("text", flat=True)),
        points=list(CasePoint.objects.filter(case__in=curated).values_list("point", "text")),
        actor_notes=list(
            Actor.objects.filter(case__in=curated).exclude(note="").values_list("note", flat=True)
        ),
        citation_notes=[note for _, _, note in citation_rows if note],
        sections=sections,
        source_weights=[(source, cited[source.key]) for source in sources],
        theme_weights=[(theme, theme_counts[theme.pk] + 1) for theme in themes],
        municipalities=municipalities,
        prefectures=list(Prefecture.objects.all()),
        foreign_places=sorted(
            set(
                Place.objects.filter(case__in=curated, kind=Place.Kind.FOREIGN).values_list(
                    "name", flat=True
                )
            )
        )
        or FOREIGN_PLACES,
    )
    rng = random.Random(f"{seed}:population")  # noqa: S311 (test data)
    for municipality in municipalities:
        median, spread = POPULATION_SHAPES.get(municipality.name[-1], (30_000, 1.0))
        people = int(median * rng.lognormvariate(0, spread))
        vocabulary.populations[municipality.pk] = max(150, min(people, 3_800_000))
    return vocabulary


# Organisations ---------------------------------------------------------------------------------


def ensure_organizations(vocabulary, size, seed=0, batch_size=DEFAULT_BATCH_SIZE):
    """Create synthetic organisations until the pool holds `size`; return the pool."""
    existing = list(synthetic_organizations().order_by("slug"))
    missing = size - len(existing)
    if missing <= 0:
        return existing
    rng = random.Random(f"{seed}:organizations:{len(existing)}")  # noqa: S311
    taken = set(Organization.objects.values_list("normalized_name", flat=True))
    slugs = set(Organization.objects.values_list("slug", flat=True))
    kind_choice = _Choice(ORGANIZATION_KIND_WEIGHTS)
    places = [_strip_municipality_suffix(m.name) for m in vocabulary.municipalities]
    created = []
    number = len(existing)
    attempts = 0
    while len(created) < missing:
        attempts += 1
        if attempts > 100 * missing:
            raise SyntheticDataError(
                f"Could not make {missing} more distinct organisation names; ask for fewer."
            )
        kind = kind_choice(rng)
        municipality = rng.choice(vocabulary.municipalities)
        brand = rng.choice(vocabulary.brand_words)
        if kind == Organization.Kind.MUNICIPALITY:
            body = f"{municipality.prefecture.name}{municipality.name}"
        elif kind == Organization.Kind.FOREIGN:
            body = f"{brand}{rng.choice(ORGANIZATION_ENDINGS[kind])}"
        else:
            body = f"{rng.choice(places)}{brand}{rng.choice(ORGANIZATION_ENDINGS[kind])}"
        name = f"{ORGANIZATION_NAME_PREFIX}{body}"
        key = normalize_organization_name(name)
        if key in taken:
            continue
        number += 1
        slug = f"{ORGANIZATION_SLUG_PREFIX}{number:05d}"
        while slug in slugs:
            number += 1
            slug = f"{ORGANIZATION_SLUG_PREFIX}{number:05d}"
        taken.add(key)
        slugs.add(slug)
        aliases = [f"{ORGANIZATION_NAME_PREFIX}{brand}"] if rng.random() < 0.1 else []
        created.append(
            Organization(
                name=name,
                slug=slug,
                kind=kind,
                aliases=aliases,
                note="負荷試験用の合成データ",
                normalized_name=key,
            )
        )
    with transaction.atomic():
        Organization.objects.bulk_create(created, batch_size=batch_size)
    return existing + created


# Cases -----------------------------------------------------------------------------------------


@dataclass
class _PlannedPlace:
    place: Place
    municipality: Municipality | None
    prefecture: Prefecture | None  # the Place's own prefecture column


class _CaseBuilder:
    """Compose one batch of cases and every row that belongs to them, unsaved.

    Rows get plain ids (source_id, organization_id …) rather than related objects, which keeps
    model construction cheap; their case_id (and a figure's place_id) is filled in by save(),
    once the cases (and places) have their primary keys.
    """

    ROW_MODELS = (
        ("places", Place),
        ("figures", KeyFigure),
        ("actors", Actor),
        ("funding", Funding),
        ("infrastructure", Infrastructure),
        ("citations", Citation),
        ("milestones", Milestone),
        ("challenges", Challenge),
        ("points", CasePoint),
        ("themes", Case.themes.through),
        ("facets", CaseFacet),
    )

    def __init__(self, vocabulary, organizations, rng):
        self.v = vocabulary
        self.rng = rng
        self.organizations = organizations
        # Organisations are shared unevenly, as in reality: a few appear in many cases.
        ranks = list(range(len(organizations)))
        rng.shuffle(ranks)
        self.organization_cumulative = list(accumulate(1 / (rank + 1) ** 0.8 for rank in ranks))
        self.choose = {
            name: _Choice(pairs)
            for name, pairs in {
                "type": TYPE_WEIGHTS,
                "hub": HUB_WEIGHTS,
                "themes": THEME_COUNT_WEIGHTS,
                "places": PLACE_COUNT_WEIGHTS,
                "first_place": FIRST_PLACE_KIND_WEIGHTS,
                "other_place": OTHER_PLACE_KIND_WEIGHTS,
                "actors": ACTOR_COUNT_WEIGHTS,
                "funding": FUNDING_COUNT_WEIGHTS,
                "infrastructure": INFRASTRUCTURE_COUNT_WEIGHTS,
                "figures": OTHER_FIGURE_COUNT_WEIGHTS,
                "citations": CITATION_COUNT_WEIGHTS,
                "milestones": MILESTONE_COUNT_WEIGHTS,
                "challenges": CHALLENGE_COUNT_WEIGHTS,
                "points": POINT_COUNT_WEIGHTS,
                "role": ROLE_WEIGHTS,
                "source": vocabulary.source_weights,
            }.items()
        }
        self.themes, self.theme_cumulative = _weighted(vocabulary.theme_weights)
        self.rows = {name: [] for name, _ in self.ROW_MODELS}
        self.cases = []
        self.owners = []  # (row, case)
        self.figure_places = []  # (figure, place)

    def count(self, name):
        return self.choose[name](self.rng)

    def add(self, name, case, row):
        self.rows[name].append(row)
        self.owners.append((row, case))
        return row

    def text(self, sentences, target):
        if not sentences or target <= 0:
            return ""
        parts, length = [], 0
        while length < target:
            sentence = self.rng.choice(sentences)
            parts.append(sentence)
            length += len(sentence)
        if len(parts) > 3:
            middle = len(parts) // 2
            return "".join(parts[:middle]) + "\n\n" + "".join(parts[middle:])
        return "".join(parts)

    # Places and their population -----------------------------------------------------------------

    def place(self, kind, position, used_names):
        rng = self.rng
        municipality = prefecture = None
        if kind == Place.Kind.MUNICIPALITY:
            municipality = rng.choice(self.v.municipalities)
            prefecture = municipality.prefecture
            name = municipality.name
            if rng.random() < 0.1:
                name = _strip_municipality_suffix(name)
        elif kind == Place.Kind.DISTRICT:
            municipality = rng.choice(self.v.municipalities)
            name = _strip_municipality_suffix(municipality.name) + rng.choice(DISTRICT_SUFFIXES)
            if rng.random() < 0.5:
                prefecture = municipality.prefecture
            else:
                municipality = None
        elif kind == Place.Kind.AREA:
            prefecture = rng.choice(self.v.prefectures)
            name = prefecture.name + rng.choice(AREA_SUFFIXES)
        elif kind == Place.Kind.PREFECTURE:
            prefecture = rng.choice(self.v.prefectures)
            name = prefecture.name
        elif kind == Place.Kind.NATIONWIDE:
            name = "全国"
        else:
            name = rng.choice(self.v.foreign_places)
        if name in used_names:
            return None
        used_names.add(name)
        place = Place(
            position=position,
            kind=kind,
            name=name,
            municipality_id=municipality.pk if municipality else None,
            prefecture_id=prefecture.pk if prefecture else None,
        )
        return _PlannedPlace(place, municipality, prefecture)

    def population_figure(self, case, planned, position, cited):
        """人口 of a municipality place, as the reports print it: 約3.2万人, 4.8万人, 約850人."""
        people = self.v.populations[planned.municipality.pk]
        qualifier = "約" if self.rng.random() < 0.7 else ""
        if people >= 10_000:
            value, unit = round(people / 10_000, 1), "万人"
        elif people >= 1_000:
            value, unit = round(people / 1_000, 1), "千人"
        else:
            value, unit = people, "人"
        shown = f"{value:,}" if unit == "人" else f"{value:g}"
        return self.figure(
            case, planned, position, cited, qualifier, Decimal(f"{value:g}"), unit, shown
        )

    def district_figure(self, case, planned, position, cited):
        people = self.rng.randint(100, 5_000)
        return self.figure(
            case, planned, position, cited, "約", Decimal(people), "人", f"{people:,}"
        )

    def figure(self, case, planned, position, cited, qualifier, value, unit, shown):
        source, section = cited
        figure = KeyFigure(
            position=position,
            source_id=source.pk,
            section_id=section,
            kind=KeyFigure.Kind.POPULATION,
            label="人口",
            qualifier=qualifier,
            # bulk_create skips KeyFigure.save(), which derives value from printed_value.
            printed_value=str(value),
            value=value,
            unit=unit,
            as_printed=f"{qualifier}{shown}{unit}",
            undated=True,
        )
        self.figure_places.append((figure, planned.place))
        return self.add("figures", case, figure)

    # One case ------------------------------------------------------------------------------------

    def add_case(self, slug):
        rng = self.rng
        case = Case(
            slug=slug,
            status=Case.Status.PUBLISHED,
            type_2025=self.count("type"),
            hub_type_2019=self.count("hub"),
            start_year=rng.randint(1995, 2024) if rng.random() < 0.5 else None,
            # bulk_create skips Case.save(), which dates a publication: the feed lists by this.
            content_changed_at=timezone.now(),
        )
        themes = set(rng.choices(self.themes, cum_weights=self.theme_cumulative, k=4))
        theme_keys = []
        for theme in sorted(themes, key=lambda theme: theme.pk)[: self.count("themes")]:
            self.add("themes", case, Case.themes.through(theme_id=theme.pk))
            theme_keys.append(theme.key)

        figures_before = len(self.figure_places)
        cited = self.add_citations(case)
        places = self.add_places(case, cited)
        actors = self.add_actors(case, cited)
        funding = self.add_funding(case, cited, actors)
        infrastructure = self.add_infrastructure(case, cited, places)
        self.add_outline(case, cited)
        self.write_texts(case, places, actors)

        derived = derive(
            IndexData(
                title=case.title,
                summary=case.summary,
                description=case.description,
                approach=case.approach,
                type_2025=case.type_2025,
                hub_type_2019=case.hub_type_2019,
                start_year=case.start_year,
                theme_keys=theme_keys,
                places=[PlaceData.of(p.place, p.municipality, p.prefecture) for p in places],
                populations=[
                    figure.people
                    for figure, place in self.figure_places[figures_before:]
                    if figure.people is not None and is_counted_population(figure.kind, place.kind)
                ],
                organizations=[OrganizationData.of(organization) for _, organization in actors],
                funding_kinds=[item.kind for item in funding],
                # Providers are drawn from the case's own actors (add_funding).
                funder_slugs=[
                    {org.pk: org.slug for _, org in actors}[item.provider_id]
                    for item in funding
                    if item.provider_id
                ],
                infrastructure=[(item.kind, item.name) for item in infrastructure],
                sources=[(source.key, source.year) for source, _ in cited],
            )
        )
        for name, value in derived.columns().items():
            setattr(case, name, value)
        for facet, value in derived.facets:
            self.add("facets", case, CaseFacet(facet=facet, value=value))
        self.cases.append(case)

    def add_citations(self, case):
        """Cite one to three documents; every other row of the case cites one of them."""
        sources = []
        for _ in range(self.count("citations")):
            source = self.count("source")
            if source not in sources:
                sources.append(source)
        cited = []
        for position, source in enumerate(sources):
            section = self.rng.choice(self.v.sections[source.key])
            cited.append((source, section))
            notes = self.v.citation_notes
            note = self.rng.choice(notes) if notes and self.rng.random() < 0.6 else ""
            citation = Citation(
                position=position, source_id=source.pk, section_id=section, note=note
            )
            self.add("citations", case, citation)
        return cited

    def add_places(self, case, cited):
        rng = self.rng
        places, used_names = [], set()
        for index in range(self.count("places")):
            kind = self.count("first_place" if index == 0 else "other_place")
            planned = self.place(kind, len(places), used_names)
            if planned is not None:
                places.append(planned)
                self.add("places", case, planned.place)
        position = 0
        for planned in places:
            kind = planned.place.kind
            if kind == Place.Kind.MUNICIPALITY and rng.random() < 0.75:
                self.population_figure(case, planned, position, rng.choice(cited))
                position += 1
            elif kind == Place.Kind.DISTRICT and planned.municipality and rng.random() < 0.2:
                # A district's population is shown but counts for neither band nor sort.
                self.district_figure(case, planned, position, rng.choice(cited))
                position += 1
        for _ in range(self.count("figures") if self.v.other_figures else 0):
            source, section = rng.choice(cited)
            figure = KeyFigure(
                position=position,
                source_id=source.pk,
                section_id=section,
                **rng.choice(self.v.other_figures),
            )
            self.add("figures", case, figure)
            position += 1
        return places

    def add_actors(self, case, cited):
        rng, notes = self.rng, self.v.actor_notes
        actors = []
        for position in range(self.count("actors")):
            index = rng.choices(
                range(len(self.organizations)), cum_weights=self.organization_cumulative
            )[0]
            organization = self.organizations[index]
            source, section = rng.choice(cited)
            actor = Actor(
                position=position,
                source_id=source.pk,
                section_id=section,
                organization_id=organization.pk,
                role=self.count("role"),
                note=rng.choice(notes) if notes and rng.random() < 0.5 else "",
            )
            actors.append((self.add("actors", case, actor), organization))
        return actors

    def add_funding(self, case, cited, actors):
        rng = self.rng
        funding = []
        for position in range(self.count("funding") if self.v.funding else 0):
            template = rng.choice(self.v.funding)
            provider = rng.choice(actors)[1] if actors and rng.random() < 0.5 else None
            source, section = rng.choice(cited)
            item = Funding(
                position=position,
                source_id=source.pk,
                section_id=section,
                provider_id=provider.pk if provider else None,
                **template,
            )
            funding.append(self.add("funding", case, item))
        return funding

    def add_infrastructure(self, case, cited, places):
        rng = self.rng
        infrastructure = []
        for position in range(self.count("infrastructure") if self.v.infrastructure else 0):
            kind, name, description = rng.choice(self.v.infrastructure)
            if places and rng.random() < 0.5:
                name = f"{_strip_municipality_suffix(places[0].place.name)}{name}"[:200]
            source, section = rng.choice(cited)
            item = Infrastructure(
                position=position,
                source_id=source.pk,
                section_id=section,
                kind=kind,
                name=name,
                description=description,
            )
            infrastructure.append(self.add("infrastructure", case, item))
        return infrastructure

    def add_outline(self, case, cited):
        """Milestones, challenges and points: shown on the detail page, not indexed."""
        rng, v = self.rng, self.v
        for position in range(self.count("milestones") if v.milestones else 0):
            year, month, date_as_printed, label = rng.choice(v.milestones)
            source, section = rng.choice(cited)
            milestone = Milestone(
                position=position,
                source_id=source.pk,
                section_id=section,
                year=year,
                month=month,
                date_as_printed=date_as_printed,
                label=label,
            )
            self.add("milestones", case, milestone)
        for position in range(self.count("challenges") if v.challenges else 0):
            source, section = rng.choice(cited)
            challenge = Challenge(
                position=position,
                source_id=source.pk,
                section_id=section,
                text=rng.choice(v.challenges),
            )
            self.add("challenges", case, challenge)
        for position in range(self.count("points") if v.points else 0):
            point, text = rng.choice(v.points)
            source, section = rng.choice(cited)
            self.add(
                "points",
                case,
                CasePoint(
                    position=position,
                    source_id=source.pk,
                    section_id=section,
                    point=point,
                    text=text,
                ),
            )

    def write_texts(self, case, places, actors):
        """Title, summary and description, composed from the curated catalogue's own words."""
        rng, v = self.rng, self.v
        main = places[0] if places else None
        place_label = main.place.name if main else "全国"
        full_place = (
            f"{main.municipality.prefecture.name}{main.municipality.name}"
            if main and main.place.kind == Place.Kind.MUNICIPALITY
            else place_label
        )
        fragment = rng.choice(v.title_fragments)
        organization = actors[0][1].name if actors else ""
        pattern = rng.randrange(5)
        if pattern == 0:
            title = f"{full_place}（{fragment}）"
        elif pattern == 1:
            title = f"{fragment}（{place_label}）"
        elif pattern == 2:
            title = f"{place_label}「{fragment}」"
        elif pattern == 3 and organization:
            title = f"{fragment}（{organization}、{place_label}）"
        else:
            title = f"{place_label}の{fragment}"
        case.title = title[:200]
        case.title_kana = self.reading(
            main,
            pattern if pattern != 3 or organization else 4,
            v.fragment_readings.get(fragment, ""),
        )
        lead = f"{place_label}で{organization or '地域の主体'}が進める「{fragment}」の取組。"
        target = rng.choice(v.summary_lengths) - len(lead)
        case.summary = lead + self.text(v.summary_sentences, target)
        case.description = self.text(v.description_sentences, rng.choice(v.description_lengths))
        case.approach = rng.choice(v.approaches) if v.approaches and rng.random() < 0.15 else ""
        notes = v.editor_notes
        case.editor_note = rng.choice(notes) if notes and rng.random() < 0.05 else ""

    @staticmethod
    def reading(main, pattern, fragment_reading):
        """The title's reading, put together as write_texts() puts the title together: the
        place's kana (reference data) and the reading of the title the fragment came from.
        The organisation in pattern 3 has no reading and is left unread."""
        if main is None or main.place.kind == Place.Kind.NATIONWIDE:
            place = "ぜんこく"
        elif main.municipality:
            place = main.municipality.kana
        else:
            place = main.prefecture.kana if main.prefecture else ""  # abroad: unread
        if pattern == 0 and main and main.place.kind == Place.Kind.MUNICIPALITY:
            place = main.municipality.prefecture.kana + place
        if pattern in (1, 3):
            parts = (fragment_reading, place)
        elif pattern == 4:
            parts = (f"{place}の" if place else "", fragment_reading)
        else:
            parts = (place, fragment_reading)
        return " ".join(part for part in parts if part)[:400]

    def save(self, batch_size):
        """Write the batch: cases first, then places (figures point to them), then the rest."""
        Case.objects.bulk_create(self.cases, batch_size=batch_size)
        for row, case in self.owners:
            row.case_id = case.pk
        for name, model in self.ROW_MODELS:
            if name == "figures":
                for figure, place in self.figure_places:
                    figure.place_id = place.pk
            model.objects.bulk_create(self.rows[name], batch_size=batch_size)
        return {"cases": len(self.cases), **{k: len(rows) for k, rows in self.rows.items()}}


def next_number():
    """The number after the highest synthetic case slug (synthetic-000042 -> 43)."""
    numbers = [
        int(slug.removeprefix(CASE_SLUG_PREFIX))
        for slug in synthetic_cases().values_list("slug", flat=True)
        if slug.removeprefix(CASE_SLUG_PREFIX).isdigit()
    ]
    return max(numbers, default=0) + 1


def generate(
    count,
    *,
    seed=0,
    batch_size=DEFAULT_BATCH_SIZE,
    organization_pool=DEFAULT_ORGANIZATION_POOL,
    progress=None,
):
    """Add `count` synthetic cases (and the organisation pool, if short); return row counts.

    Each batch is one transaction. `progress(done, count)` is called after every batch.
    """
    # With DEBUG on, Django would keep the text of every multi-megabyte INSERT in memory.
    with override_settings(DEBUG=False), _bulk_search_indexing():
        return _generate(count, seed, batch_size, organization_pool, progress)


# What PostgreSQL may gather before it merges new cases into the search index (GIN's pending
# list), and the memory it may merge them in. Fewer, larger merges than the defaults (4 MB each)
# wrote 20,000 cases in 70 s instead of 107 s.
BULK_INDEX_SETTINGS = {"gin_pending_list_limit": "64MB", "work_mem": "256MB"}


@contextmanager
def _bulk_search_indexing():
    """On PostgreSQL, let this session add to the search index in large batches."""
    if connection.vendor != "postgresql":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in BULK_INDEX_SETTINGS.items():
            cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, false)", [name, name, value]
            )
            previous[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def _generate(count, seed, batch_size, organization_pool, progress):
    vocabulary = load_vocabulary(seed)
    organizations = ensure_organizations(vocabulary, organization_pool, seed, batch_size)
    start = next_number()
    totals = {}
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        rng = random.Random(f"{seed}:cases:{start + done}")  # noqa: S311
        builder = _CaseBuilder(vocabulary, organizations, rng)
        for number in range(start + done, start + done + size):
            builder.add_case(f"{CASE_SLUG_PREFIX}{number:06d}")
        with transaction.atomic():
            for name, rows in builder.save(batch_size).items():
                totals[name] = totals.get(name, 0) + rows
        done += size
        if progress:
            progress(done, count)
    if count:
        catalogue_changed()
    return totals


def catalogue_changed():
    """Tell running processes that cases changed: bulk writes send no post_save signals."""
    version = getattr(catalogue_models, "CatalogueVersion", None)
    if version is not None:
        version.bump()


# Deleting --------------------------------------------------------------------------------------


def _delete_where(model, column, subquery):
    sql, params = subquery.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({sql})",  # noqa: S608
            params,
        )
        return cursor.rowcount


def _delete_cases(cases):
    """Delete cases and every row that points to them, in SQL.

    QuerySet.delete() would load each of the millions of rows to send the signals with which
    django-simple-history writes a deletion record per row; synthetic rows have no history.
    """
    ids = cases.values("pk")
    deleted = {}
    for relation in Case._meta.related_objects:
        if relation.many_to_many:
            continue
        model = relation.related_model
        deleted[model._meta.model_name] = _delete_where(model, relation.field.column, ids)
    for m2m in Case._meta.many_to_many:
        through = m2m.remote_field.through
        rows = _delete_where(through, m2m.m2m_column_name(), ids)
        if m2m.remote_field.model is Case:
            rows += _delete_where(through, m2m.m2m_reverse_name(), ids)
        deleted[through._meta.model_name] = rows
    deleted["case"] = _delete_where(Case, Case._meta.pk.column, ids)
    return deleted


def delete(keep=0):
    """Delete synthetic cases beyond the first `keep` (by slug), and unused synthetic organisations.

    With keep=0 every synthetic case and organisation goes. Returns the counts deleted.
    """
    with transaction.atomic():
        cases = synthetic_cases()
        if keep:
            boundary = cases.order_by("slug").values_list("slug", flat=True)[keep - 1 : keep]
            boundary = list(boundary)
            if not boundary:
                return {}
            cases = cases.filter(slug__gt=boundary[0])
        deleted = _delete_cases(cases) if cases.exists() else {}
        if not keep:
            used = Actor.objects.values("organization_id")
            provided = Funding.objects.filter(provider__isnull=False).values("provider_id")
            unused = synthetic_organizations().exclude(pk__in=used).exclude(pk__in=provided)
            deleted["organization"] = _delete_where(
                Organization, Organization._meta.pk.column, unused.values("pk")
            )
        if deleted.get("case"):
            catalogue_changed()
    return deleted


def counts():
    """How many synthetic cases and organisations the database holds."""
    return {
        "cases": synthetic_cases().count(),
        "organizations": synthetic_organizations().count(),
        "highest": synthetic_cases().aggregate(highest=Max("slug"))["highest"],
    }
