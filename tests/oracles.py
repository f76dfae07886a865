"""Independent answers to check the site against: what each case must show, worked out again.

Nothing here imports the code under test beyond `cases.models` (the base tables): the facet
values a case must have are derived from the YAML fixtures with this module's own prefecture
table and population bands (the README's), search is re-implemented from the raw fields with
its own normalisation, and the browse JSON is read in one place (`read_browse`), so that a
change of the public schema is adapted here once.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BROWSE = "/cases/"

# JIS X 0401 prefecture codes and the conventional eight 地方 (Okinawa with Kyushu), written out
# here rather than taken from the code under test.
PREFECTURES = {
    "北海道": ("01", "hokkaido"),
    "青森県": ("02", "tohoku"),
    "岩手県": ("03", "tohoku"),
    "宮城県": ("04", "tohoku"),
    "秋田県": ("05", "tohoku"),
    "山形県": ("06", "tohoku"),
    "福島県": ("07", "tohoku"),
    "茨城県": ("08", "kanto"),
    "栃木県": ("09", "kanto"),
    "群馬県": ("10", "kanto"),
    "埼玉県": ("11", "kanto"),
    "千葉県": ("12", "kanto"),
    "東京都": ("13", "kanto"),
    "神奈川県": ("14", "kanto"),
    "新潟県": ("15", "chubu"),
    "富山県": ("16", "chubu"),
    "石川県": ("17", "chubu"),
    "福井県": ("18", "chubu"),
    "山梨県": ("19", "chubu"),
    "長野県": ("20", "chubu"),
    "岐阜県": ("21", "chubu"),
    "静岡県": ("22", "chubu"),
    "愛知県": ("23", "chubu"),
    "三重県": ("24", "kinki"),
    "滋賀県": ("25", "kinki"),
    "京都府": ("26", "kinki"),
    "大阪府": ("27", "kinki"),
    "兵庫県": ("28", "kinki"),
    "奈良県": ("29", "kinki"),
    "和歌山県": ("30", "kinki"),
    "鳥取県": ("31", "chugoku"),
    "島根県": ("32", "chugoku"),
    "岡山県": ("33", "chugoku"),
    "広島県": ("34", "chugoku"),
    "山口県": ("35", "chugoku"),
    "徳島県": ("36", "shikoku"),
    "香川県": ("37", "shikoku"),
    "愛媛県": ("38", "shikoku"),
    "高知県": ("39", "shikoku"),
    "福岡県": ("40", "kyushu"),
    "佐賀県": ("41", "kyushu"),
    "長崎県": ("42", "kyushu"),
    "熊本県": ("43", "kyushu"),
    "大分県": ("44", "kyushu"),
    "宮崎県": ("45", "kyushu"),
    "鹿児島県": ("46", "kyushu"),
    "沖縄県": ("47", "kyushu"),
}
REGION_OF_CODE = dict(PREFECTURES.values())

# The README's `pop` values: the stated population of the case's municipality, in people.
POPULATION_BANDS = (
    ("lt10k", 0, 10_000),
    ("10k-50k", 10_000, 50_000),
    ("50k-100k", 50_000, 100_000),
    ("100k-300k", 100_000, 300_000),
    ("gte300k", 300_000, None),
)
PEOPLE_PER_UNIT = {"人": 1, "名": 1, "千人": 1_000, "万人": 10_000}


def population_band(people):
    for value, low, high in POPULATION_BANDS:
        if people >= low and (high is None or people < high):
            return value
    raise ValueError(people)


def population_unknown(values):
    """README: `pop=unknown` (人口の記載なし) is every case in no band."""
    return set() if any(param == "pop" for param, _value in values) else {("pop", "unknown")}


def people(value, unit):
    """A printed figure as people (約0.7万人 -> 7000), or None when it is no count of people."""
    if value in (None, "") or unit not in PEOPLE_PER_UNIT:
        return None
    return int(Decimal(str(value)) * PEOPLE_PER_UNIT[unit])


# 五十音 order, worked out from Unicode character names rather than the code's tables ----------


def _plain_kana(kana, previous):
    """A kana as a dictionary first compares it: large, unvoiced; ー as the vowel it lengthens."""
    if kana == "ー":
        if previous is None or not unicodedata.name(previous).startswith("HIRAGANA LETTER "):
            return kana
        # HIRAGANA LETTER KA -> A; ん (N) is read as う before a long mark.
        vowel = unicodedata.name(previous)[-1].replace("N", "U")
        return unicodedata.lookup(f"HIRAGANA LETTER {vowel}")
    name = unicodedata.name(kana)
    if " SMALL " in name:
        kana = unicodedata.lookup(name.replace(" SMALL ", " "))
    return "".join(c for c in unicodedata.normalize("NFD", kana) if not unicodedata.combining(c))


def gojuon_key(reading):
    """README: 「事例名」 sorts by reading as a Japanese dictionary does (JIS X 4061): voicing
    marks, small kana and long marks decide only between readings otherwise the same."""
    text = "".join(reading.split())
    plain = []
    for kana in text:
        plain.append(_plain_kana(kana, plain[-1] if plain else None))
    return ("".join(plain), text)


def reading_order_key(title_kana, title):
    """README `sort=title`: by reading, cases without one after, then by title."""
    return (not title_kana, gojuon_key(title_kana or ""), title)


def yaml_prefecture_code(record):
    """README `sort=prefecture`: the lowest JIS code among the places' prefectures, or None."""
    codes = []
    for place in record.get("places") or []:
        if place.get("prefecture"):
            codes.append(PREFECTURES[place["prefecture"]][0])
        elif place.get("lg_code"):
            codes.append(str(place["lg_code"])[:2])
    return min(codes, default=None)


# The browse JSON, read in one place --------------------------------------------------------


@dataclass
class Browse:
    count: int
    num_pages: int
    slugs: list  # the slugs of this page, in order
    counts: dict  # param -> {value: count}, as the facets list them
    selected: dict  # param -> {values shown as selected}
    results: list  # the raw result items of this page


def read_browse(data):
    """Map the browse page's JSON onto Browse. The only place that knows its field names."""
    facets = data["facets"]
    # Either {param: [options]} or [{"param": ..., "options": [...]}].
    if isinstance(facets, dict):
        facets = [{"param": param, "options": options} for param, options in facets.items()]
    return Browse(
        count=data["count"],
        num_pages=data["num_pages"],
        slugs=[item["slug"] for item in data["results"]],
        counts={f["param"]: {o["value"]: o["count"] for o in f["options"]} for f in facets},
        selected={
            f["param"]: {o["value"] for o in f["options"] if o.get("selected")} for f in facets
        },
        results=data["results"],
    )


def browse(client, params=(), page=None):
    params = list(params) + [("format", "json")] + ([("page", str(page))] if page else [])
    response = client.get(BROWSE, params)
    assert response.status_code == 200, (params, response.status_code)
    return read_browse(response.json())


def browse_all(client, params=()):
    """The first page, and the slugs of every page in order."""
    first = browse(client, params)
    slugs = list(first.slugs)
    for page in range(2, first.num_pages + 1):
        slugs += browse(client, params, page).slugs
    assert len(slugs) == first.count, params
    return first, slugs


# The YAML fixtures, parsed here -------------------------------------------------------------


@cache
def _organizations():
    kinds = {}
    for record in yaml.safe_load((FIXTURES / "organizations.yaml").read_text(encoding="utf-8")):
        for name in [record["name"], *(record.get("aliases") or [])]:
            kinds[name] = record["kind"]
    return kinds


@cache
def _organization_slugs():
    """An organisation's name as the case files write it -> its slug (organizations.yaml)."""
    records = yaml.safe_load((FIXTURES / "organizations.yaml").read_text(encoding="utf-8"))
    return {record["name"]: record["slug"] for record in records}


def yaml_organizations(record):
    """README: `organization` is every organisation a case names as actor or as funder."""
    slugs = _organization_slugs()
    named = [actor["organization"] for actor in record.get("actors") or []]
    named += [row["provider"] for row in record.get("funding") or [] if row.get("provider")]
    return {("organization", slugs[name]) for name in named}


@cache
def yaml_cases():
    """Every case file, parsed, by slug."""
    cases = {}
    for path in sorted((FIXTURES / "cases").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases[record["slug"]] = record
    return cases


def published_yaml_cases():
    return {slug: r for slug, r in yaml_cases().items() if r.get("status") == "published"}


def yaml_population(record):
    """The largest stated population of the case's municipalities, in people, or None."""
    municipal = {
        place["name"] for place in record.get("places") or [] if place["kind"] == "municipality"
    }
    stated = [
        people(figure.get("value"), figure.get("unit"))
        for figure in record.get("figures") or []
        if figure["kind"] == "population" and figure.get("place") in municipal
    ]
    return max((n for n in stated if n is not None), default=None)


@cache
def _source_years():
    sources = yaml.safe_load((FIXTURES / "sources.yaml").read_text(encoding="utf-8"))
    return {source["key"]: source["year"] for source in sources}


def yaml_latest_source_year(record):
    years = _source_years()
    return max((years[row["source"]] for row in record.get("citations") or []), default=None)


@cache
def yaml_sections():
    """(source key, section key) -> the section as sources.yaml lists it; a row names a
    section by its number, or by its heading where it has none."""
    sources = yaml.safe_load((FIXTURES / "sources.yaml").read_text(encoding="utf-8"))
    return {
        (source["key"], section.get("number") or section["heading"]): section
        for source in sources
        for section in source.get("sections") or []
    }


def yaml_section_display(row):
    """A row's section as pages and citations show it: number, heading, note, then the row's
    own page (a citation's), else the page where the 目次 says the section starts."""
    section = yaml_sections()[(row["source"], str(row["section"]))]
    parts = [section.get("number"), section["heading"], row.get("section_note")]
    text = " ".join(part for part in parts if part)
    if row.get("page"):
        return f"{text} p.{row['page']}"
    return f"{text} p.{section['page']}〜" if section.get("page") else text


@cache
def _yaml_factors():
    """slug -> the numbers of the 共通項 whose group lists the case (common_factors.yaml)."""
    factors = {}
    path = FIXTURES / "common_factors.yaml"
    for record in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        for slug in record.get("cases") or []:
            factors.setdefault(slug, set()).add(str(record["number"]))
    return factors


def yaml_facets(record):
    """The (param, value) pairs a case file says the case belongs to, by the README's rules."""
    values = {("kind", record.get("kind") or "case")}
    # `type` also finds a 参考事例 under the 類型 of the case it is printed under.
    printed_under = yaml_cases().get(record.get("reference_of") or "", {})
    type_2025 = record.get("type_2025") or printed_under.get("type_2025")
    if type_2025:
        values.add(("type", type_2025))
    values |= {("factor", number) for number in _yaml_factors().get(record["slug"], ())}
    if record.get("hub_type_2019"):
        values.add(("hub", record["hub_type_2019"]))
    values |= {("theme", key) for key in record.get("themes") or []}
    places = record.get("places") or []
    for place in places:
        # A named prefecture is the place's own; else a municipality's code starts with its
        # prefecture's (JIS X 0401).
        if place.get("prefecture"):
            code = PREFECTURES[place["prefecture"]][0]
        elif place.get("lg_code"):
            code = str(place["lg_code"])[:2]
        else:
            continue
        values |= {("pref", code), ("region", REGION_OF_CODE[code])}
    foreign = any(place["kind"] == "foreign" for place in places)
    values.add(("scope", "foreign" if foreign else "domestic"))
    municipal = {place["name"] for place in places if place["kind"] == "municipality"}
    for figure in record.get("figures") or []:
        if figure["kind"] == "population" and figure.get("place") in municipal:
            count = people(figure.get("value"), figure.get("unit"))
            if count is not None:
                values.add(("pop", population_band(count)))
    values |= population_unknown(values)
    kinds = _organizations()
    values |= {("org", kinds[actor["organization"]]) for actor in record.get("actors") or []}
    values |= yaml_organizations(record)
    values |= {("funding", row["kind"]) for row in record.get("funding") or []}
    values |= {("infra", row["kind"]) for row in record.get("infrastructure") or []}
    values |= {("source", row["source"]) for row in record.get("citations") or []}
    values |= _decade_and_sources(
        record.get("start_year"), {row["source"] for row in record.get("citations") or []}
    )
    return values


def _decade_and_sources(start_year, source_keys):
    """README: `started` is the decade of the start year (2016 -> 2010s); `in_several_sources=1`
    when more than one document is cited."""
    values = set()
    if start_year:
        values.add(("started", f"{start_year - start_year % 10}s"))
    if len(source_keys) > 1:
        values.add(("in_several_sources", "1"))
    return values


# The base tables, read without CaseFacet ----------------------------------------------------


def table_facets():
    """slug -> the (param, value) pairs of every published case, from the base tables."""
    from cases.models import Case, KeyFigure, Place

    values = {}
    cases = (
        Case.objects.filter(status="published")
        .select_related("reference_of")
        .prefetch_related(
            "common_factors",
            "themes",
            "places__municipality__prefecture",
            "places__prefecture",
            "actors__organization",
            "funding__provider",
            "infrastructure",
            "citations__source",
            "figures__place",
        )
    )
    for case in cases:
        found = {("kind", case.kind)}
        type_2025 = case.type_2025 or (case.reference_of.type_2025 if case.reference_of else "")
        if type_2025:
            found.add(("type", type_2025))
        found |= {("factor", str(f.number)) for f in case.common_factors.all()}
        if case.hub_type_2019:
            found.add(("hub", case.hub_type_2019))
        found |= {("theme", theme.key) for theme in case.themes.all()}
        for place in case.places.all():
            prefecture = place.prefecture or (place.municipality and place.municipality.prefecture)
            if prefecture:
                found |= {("pref", prefecture.code), ("region", REGION_OF_CODE[prefecture.code])}
        foreign = any(place.kind == Place.Kind.FOREIGN for place in case.places.all())
        found.add(("scope", "foreign" if foreign else "domestic"))
        for figure in case.figures.all():
            if (
                figure.kind == KeyFigure.Kind.POPULATION
                and figure.place
                and figure.place.kind == Place.Kind.MUNICIPALITY
            ):
                count = people(figure.value, figure.unit)
                if count is not None:
                    found.add(("pop", population_band(count)))
        found |= population_unknown(found)
        found |= {("org", actor.organization.kind) for actor in case.actors.all()}
        found |= {("organization", actor.organization.slug) for actor in case.actors.all()}
        found |= {("organization", row.provider.slug) for row in case.funding.all() if row.provider}
        found |= {("funding", row.kind) for row in case.funding.all()}
        found |= {("infra", row.kind) for row in case.infrastructure.all()}
        found |= {("source", row.source.key) for row in case.citations.all()}
        found |= _decade_and_sources(
            case.start_year, {row.source.key for row in case.citations.all()}
        )
        values[case.slug] = found
    return values


def expected_counts(memberships, selected, matching=None):
    """Each option's count as the README defines it: OR within a facet, AND across facets, and
    an option counts the cases it gives with the other facets' choices kept.

    memberships: slug -> {(param, value)}; selected: [(param, value)]; matching: the slugs the
    search keeps (None: no search). Returns {param: {value: count}} without zero counts.
    """
    chosen = {}
    for param, value in selected:
        chosen.setdefault(param, set()).add(value)
    counts = {}
    for slug, values in memberships.items():
        if matching is not None and slug not in matching:
            continue
        params = {param for param, _ in values}
        for param in params | set(chosen):
            others_hold = all(
                values & {(other, v) for v in wanted}
                for other, wanted in chosen.items()
                if other != param
            )
            if not others_hold:
                continue
            for p, value in values:
                if p == param:
                    counts.setdefault(param, {}).setdefault(value, 0)
                    counts[param][value] += 1
    return counts


def expected_selection(memberships, selected, matching=None):
    """The slugs a selection gives."""
    chosen = {}
    for param, value in selected:
        chosen.setdefault(param, set()).add(value)
    return {
        slug
        for slug, values in memberships.items()
        if (matching is None or slug in matching)
        and all(values & {(param, v) for v in wanted} for param, wanted in chosen.items())
    }


# Search, re-implemented -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
QUERY_LIMIT = 100  # characters of the normalised query that are searched (README: notice)


def fold(text):
    """NFKC, control characters dropped, whitespace runs as one space, casefold."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", text or ""))
    return " ".join(text.split()).casefold()


def searchable_fields(case):
    """What search promises to cover (Case.refresh_index): the texts, places, the actors'
    names and aliases, infrastructure names. `case` has the relations prefetched."""
    fields = [case.title, case.summary, case.description, case.approach]
    for place in case.places.all():
        fields.append(place.name)
        if place.municipality:
            fields += [place.municipality.prefecture.name + place.municipality.name]
        if place.prefecture:
            fields.append(place.prefecture.name)
    for actor in case.actors.all():
        fields += [actor.organization.name, *actor.organization.aliases]
    fields += [item.name for item in case.infrastructure.all()]
    return [fold(field) for field in fields if field]


def search_corpus():
    """slug -> the folded fields of every published case."""
    from cases.models import Case

    cases = Case.objects.filter(status="published").prefetch_related(
        "places__municipality__prefecture",
        "places__prefecture",
        "actors__organization",
        "infrastructure",
    )
    return {case.slug: searchable_fields(case) for case in cases}


def search_words(query):
    return fold(query)[:QUERY_LIMIT].split()


def expected_search(corpus, query):
    """Slugs whose fields contain every word of the query (a word never spans two fields)."""
    words = search_words(query)
    if not words:
        return None
    return {
        slug
        for slug, fields in corpus.items()
        if all(any(word in field for field in fields) for word in words)
    }
