"""Where the published cases are: distances, nearby and similar-sized places, map data.

Positions are those of the municipal offices as the japancode package gives them
(Municipality.latitude/longitude). A case sits at every municipality its places name (a case in
那須地域 lists 那須町, 那須塩原市 and 大田原市 as places of its own); a case that names none is
"unmapped": prefecture-wide or national, or foreign.

Everything here reads one table per catalogue version (CaseGeography), built in one query and
kept in the process, so that a map of 100,000 cases costs no query per case.
"""

import bisect
import json
import math
import threading
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.db.models import Count, F
from django.db.models.functions import Coalesce

from .models import Case, CaseType, CatalogueVersion, Municipality, Place

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius
NEAR_MIN_KM = 10
NEAR_MAX_KM = 300
NEAR_DEFAULT_KM = 30
FEATURE_CASE_LIMIT = 20  # cases listed in one map marker's popup
SIMILAR_POPULATION_RATIO = 0.3  # ±30 % of the stated population


def case_type_labels():
    """{類型 value: label}, sent once with the map data rather than with every case."""
    return {value: str(label) for value, label in CaseType.choices}


class Unmapped:
    """Why a case has no marker: it names no municipality."""

    WIDE = "wide"  # 都道府県・全国・広域 without a named municipality
    FOREIGN = "foreign"


def great_circle_km(lat1, lon1, lat2, lon2):
    """Distance along the Earth's surface (haversine on a sphere of the mean radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def parse_km(raw, default=NEAR_DEFAULT_KM):
    """Read a distance parameter: an integer within NEAR_MIN_KM..NEAR_MAX_KM, or None if invalid."""
    if raw in (None, ""):
        return default
    try:
        km = int(str(raw).strip())
    except ValueError:
        return None
    return km if NEAR_MIN_KM <= km <= NEAR_MAX_KM else None


@dataclass(frozen=True)
class Town:
    """A municipality as the map needs it."""

    id: int
    lg_code: str
    name: str
    prefecture: str
    latitude: float
    longitude: float


@dataclass
class CaseGeography:
    """Every published case's municipalities, and what a map popup says about each case."""

    version: str
    towns: dict = field(default_factory=dict)  # municipality id -> Town
    case_towns: dict = field(default_factory=dict)  # case id -> tuple of municipality ids
    town_cases: dict = field(default_factory=dict)  # municipality id -> list of case ids
    unmapped: dict = field(default_factory=dict)  # case id -> Unmapped.WIDE | FOREIGN
    cases: dict = field(default_factory=dict)  # case id -> (slug, title, type_2025)
    population: dict = field(default_factory=dict)  # case id -> stated population
    regions: dict = field(default_factory=dict)  # case id -> frozenset of Region values
    # geojson_text()'s pieces, serialised once: a case's popup entry; a feature up to its count.
    case_json: dict = field(default_factory=dict)
    town_json: dict = field(default_factory=dict)
    types_json: str = "{}"
    # Every municipality with coordinates, with a case or not: where a `near` search may start.
    origins: dict = field(default_factory=dict)  # lg_code -> Town
    origin_names: dict = field(default_factory=dict)  # name, and prefecture + name -> [lg_code]

    @classmethod
    def build(cls, version):
        geography = cls(version=version)
        for town_id, lg_code, name, prefecture, lat, lon in (
            Municipality.objects.exclude(latitude=None)
            .exclude(longitude=None)
            .order_by("lg_code")
            .values_list("pk", "lg_code", "name", "prefecture__name", "latitude", "longitude")
        ):
            geography.origins[lg_code] = Town(town_id, lg_code, name, prefecture, lat, lon)
            for key in (name, f"{prefecture}{name}"):
                geography.origin_names.setdefault(key, []).append(lg_code)
        published = Case.objects.published()
        for pk, slug, title, case_type, population in published.values_list(
            "pk", "slug", "title", "type_2025", "population"
        ):
            geography.cases[pk] = (slug, title, case_type)
            if population is not None:
                geography.population[pk] = population
        towns, foreign, regions = {}, set(), {}
        rows = (
            Place.objects.filter(case__status=Case.Status.PUBLISHED)
            .order_by("case_id", "position", "id")
            .values_list(
                "case_id",
                "kind",
                "municipality_id",
                "municipality__lg_code",
                "municipality__name",
                "municipality__latitude",
                "municipality__longitude",
                Coalesce("municipality__prefecture__name", "prefecture__name"),
                Coalesce("municipality__prefecture__region", "prefecture__region"),
            )
        )
        for case_id, kind, town_id, lg_code, name, lat, lon, prefecture, region in rows:
            if region:
                regions.setdefault(case_id, set()).add(region)
            if kind == Place.Kind.FOREIGN:
                foreign.add(case_id)
            if town_id is None or lat is None or lon is None:
                continue
            if town_id not in geography.towns:
                geography.towns[town_id] = Town(town_id, lg_code, name, prefecture, lat, lon)
            ids = towns.setdefault(case_id, [])
            if town_id not in ids:
                ids.append(town_id)
        for case_id in geography.cases:
            ids = towns.get(case_id)
            if ids:
                geography.case_towns[case_id] = tuple(ids)
                for town_id in ids:
                    geography.town_cases.setdefault(town_id, []).append(case_id)
            else:
                geography.unmapped[case_id] = (
                    Unmapped.FOREIGN if case_id in foreign else Unmapped.WIDE
                )
        geography.regions = {case_id: frozenset(r) for case_id, r in regions.items()}
        dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
        geography.case_json = {
            case_id: dumps(geography.case_summary(case_id)) for case_id in geography.case_towns
        }
        geography.types_json = dumps(case_type_labels())
        for town_id, town in geography.towns.items():
            head = dumps(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [town.longitude, town.latitude]},
                    "properties": {
                        "lg_code": town.lg_code,
                        "name": town.name,
                        "prefecture": town.prefecture,
                    },
                }
            )
            geography.town_json[town_id] = head[: -len("}}")] + ","
        return geography

    def case_summary(self, case_id):
        """A case as a map popup lists it; its 類型's label is in the collection's "types"."""
        slug, title, case_type = self.cases[case_id]
        return {"slug": slug, "title": title, "type": case_type}

    @cached_property
    def populations_sorted(self):
        """(stated population, case id) of every case that states one, ascending."""
        return sorted((people, case_id) for case_id, people in self.population.items())

    def find_origin(self, text):
        """The municipality a `near` value names: an LG code, a name or prefecture + name.

        Returns (Town, "") or (None, why not): a name several municipalities share (府中市) asks
        for the prefecture too.
        """
        text = text.strip().replace(" ", "").replace("\u3000", "")
        if text in self.origins:
            return self.origins[text], ""
        codes = self.origin_names.get(text, [])
        if len(codes) == 1:
            return self.origins[codes[0]], ""
        if codes:
            return None, "ambiguous"
        return None, "unknown"

    def distances_from(self, lat, lon):
        """Distance in km from a point to every municipality that has a published case."""
        return {
            town_id: great_circle_km(lat, lon, town.latitude, town.longitude)
            for town_id, town in self.towns.items()
        }

    def case_distances(self, distances):
        """Each case's distance: that of its nearest municipality, from distances_from()."""
        nearest = {}
        for town_id, km in distances.items():
            for case_id in self.town_cases[town_id]:
                if km < nearest.get(case_id, math.inf):
                    nearest[case_id] = km
        return nearest


_lock = threading.Lock()
_current = None


def current_geography(version=None):
    """The CaseGeography of the current catalogue version, rebuilt when the version changes."""
    global _current  # one table per process, like the facet index
    version = version or CatalogueVersion.current()
    geography = _current
    if geography is None or geography.version != version:
        with _lock:
            if _current is None or _current.version != version:
                _current = CaseGeography.build(version)
            geography = _current
    return geography


def municipalities_within(lg_code, km):
    """Every municipality (of all 1,916) within km of lg_code's office, nearest first.

    Returns (Municipality, distance) pairs; raises Municipality.DoesNotExist for an unknown code.
    """
    origin = Municipality.objects.get(lg_code=lg_code)
    if origin.latitude is None or origin.longitude is None:
        return []
    found = []
    for town in Municipality.objects.exclude(latitude=None).exclude(longitude=None):
        distance = great_circle_km(origin.latitude, origin.longitude, town.latitude, town.longitude)
        if distance <= km:
            found.append((town, distance))
    found.sort(key=lambda pair: (pair[1], pair[0].lg_code))
    return found


def near_mask(index, browse):
    """The index bits of a browse query's distance filter (`near`/`km`), or None without one.

    Not a facet: the cases with a place within km of the chosen municipality; the list and the
    overview narrow their selection and every count with it. The map table is read only here.
    """
    if not browse.near:
        return None
    geography = current_geography(index.version)
    return index.ids_mask(cases_near(browse.near.lg_code, browse.km, geography))


def cases_near(lg_code, km, geography=None):
    """{case id: km} of the published cases with a municipality within km of lg_code's office.

    The `near` filter's selection; raises Municipality.DoesNotExist for an unknown code (or one
    without coordinates, which no distance can be measured from).
    """
    geography = geography or current_geography()
    origin = geography.origins.get(lg_code)
    if origin is None:
        raise Municipality.DoesNotExist(f"No municipality {lg_code!r} with coordinates.")
    distances = geography.distances_from(origin.latitude, origin.longitude)
    within = {town_id: d for town_id, d in distances.items() if d <= km}
    return geography.case_distances(within)


def _case_entries(geography, ranked):
    entries = []
    for case_id, extra in ranked:
        slug, title, case_type = geography.cases[case_id]
        entries.append({"slug": slug, "title": title, "type": case_type, **extra})
    return entries


def nearest_cases(case, limit=5, geography=None):
    """The published cases nearest to any of case's municipalities, with the distance in km."""
    geography = geography or current_geography()
    nearest = {}
    for town_id in geography.case_towns.get(case.pk, ()):
        town = geography.towns[town_id]
        distances = geography.distances_from(town.latitude, town.longitude)
        # Walk the towns nearest first and stop once `limit` other cases are found (after the
        # whole of the last town, so its ties are in): a case further from here has `limit`
        # cases nearer than it, so it cannot be among the nearest. Reading every case instead
        # cost a fresh case page tens of milliseconds at 100,000 cases.
        found = set()
        for other_town, km in sorted(distances.items(), key=lambda item: item[1]):
            if len(found) >= limit:
                break
            for other in geography.town_cases[other_town]:
                if other == case.pk:
                    continue
                found.add(other)
                if km < nearest.get(other, math.inf):
                    nearest[other] = km
    ranked = sorted(nearest.items(), key=lambda item: (item[1], geography.cases[item[0]][1]))
    return _case_entries(geography, [(pk, {"km": km, "case_id": pk}) for pk, km in ranked[:limit]])


def similar_population_cases(case, same_region=True, limit=5, geography=None):
    """Published cases whose stated population is within ±30 % of case's, closest first.

    With same_region, only cases with a place in one of case's 地方. Empty when case states no
    population.
    """
    geography = geography or current_geography()
    population = geography.population.get(case.pk)
    if population is None:
        return []
    low = population * (1 - SIMILAR_POPULATION_RATIO)
    high = population * (1 + SIMILAR_POPULATION_RATIO)
    regions = geography.regions.get(case.pk, frozenset())

    def closeness(people):
        return abs(math.log(people / population)) if people else math.inf

    def wanted(other):
        if other == case.pk:
            return False
        return not same_region or bool(regions & geography.regions.get(other, frozenset()))

    # Walk out from the case's own population within the ±30 % slice of the sorted list,
    # closest first, until `limit` are found and the next is less close (so ties are all in):
    # at 100,000 cases, reading every population cost a fresh case page tens of milliseconds.
    ordered = geography.populations_sorted
    first = bisect.bisect_left(ordered, (low, -math.inf))
    end = bisect.bisect_right(ordered, (high, math.inf))
    below = bisect.bisect_left(ordered, (population, -math.inf), first, end) - 1
    above = below + 1
    ranked = []
    while below >= first or above < end:
        if above >= end or (
            below >= first and closeness(ordered[below][0]) <= closeness(ordered[above][0])
        ):
            people, other = ordered[below]
            below -= 1
        else:
            people, other = ordered[above]
            above += 1
        if len(ranked) >= limit and closeness(people) > ranked[-1][0]:
            break
        if wanted(other):
            ranked.append((closeness(people), other, people))
    ranked.sort(key=lambda item: (item[0], geography.cases[item[1]][1]))
    return _case_entries(
        geography, [(other, {"population": people}) for _, other, people in ranked[:limit]]
    )


def population_range(case, geography=None):
    """The (low, high) stated-population range similar_population_cases() looks in, or None."""
    geography = geography or current_geography()
    population = geography.population.get(case.pk)
    if population is None:
        return None
    return (
        math.ceil(population * (1 - SIMILAR_POPULATION_RATIO)),
        math.floor(population * (1 + SIMILAR_POPULATION_RATIO)),
    )


def _collect(case_ids, geography, unmapped_limit=0):
    """Per municipality: its number of cases in the selection and its first FEATURE_CASE_LIMIT.

    Also the count of the selection's cases without a marker, by reason, and the first
    unmapped_limit of them. The one loop behind every form of the map data (geojson_for_cases,
    geojson_text, map_summary).
    """
    counts, listed = {}, {}
    unmapped = {Unmapped.WIDE: 0, Unmapped.FOREIGN: 0}
    unmapped_first = {Unmapped.WIDE: [], Unmapped.FOREIGN: []}
    case_towns, reasons = geography.case_towns, geography.unmapped
    for case_id in case_ids:
        towns = case_towns.get(case_id)
        if towns is None:
            reason = reasons.get(case_id)
            if reason:
                unmapped[reason] += 1
                if len(unmapped_first[reason]) < unmapped_limit:
                    unmapped_first[reason].append(case_id)
            continue
        for town_id in towns:
            first = listed.get(town_id)
            if first is None:
                listed[town_id] = [case_id]
                counts[town_id] = 1
            else:
                counts[town_id] += 1
                if len(first) < FEATURE_CASE_LIMIT:
                    first.append(case_id)
    return counts, listed, unmapped, unmapped_first


def map_summary(case_ids, geography=None, unmapped_limit=20):
    """What the map view says in text: the municipalities with their counts, most cases first,
    and the cases the map cannot show (prefecture-wide or national; foreign), the first few of
    each listed."""
    geography = geography or current_geography()
    counts, _listed, unmapped, unmapped_first = _collect(case_ids, geography, unmapped_limit)
    towns = sorted(
        ((geography.towns[town_id], count) for town_id, count in counts.items()),
        key=lambda item: (-item[1], item[0].lg_code),
    )
    return {
        "towns": [{"town": town, "count": count} for town, count in towns],
        "unmapped_total": sum(unmapped.values()),
        "unmapped": [
            {
                "reason": reason,
                "count": unmapped[reason],
                "cases": _case_entries(geography, [(pk, {}) for pk in unmapped_first[reason]]),
            }
            for reason in (Unmapped.WIDE, Unmapped.FOREIGN)
            if unmapped[reason]
        ],
    }


def geojson_for_cases(case_ids, geography=None):
    """A GeoJSON FeatureCollection of a selection: one Point per municipality with its cases.

    case_ids in display order; each feature lists at most FEATURE_CASE_LIMIT of its cases, in
    that order, and its full count; `types` names the 類型 the cases carry as `type`.
    `unmapped` counts the selection's cases without a marker.
    """
    geography = geography or current_geography()
    counts, listed, unmapped, _first = _collect(case_ids, geography)
    features = []
    for town_id, first in listed.items():
        town = geography.towns[town_id]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [town.longitude, town.latitude]},
                "properties": {
                    "lg_code": town.lg_code,
                    "name": town.name,
                    "prefecture": town.prefecture,
                    "count": counts[town_id],
                    "cases": [geography.case_summary(case_id) for case_id in first],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "types": case_type_labels(),
        "unmapped": unmapped,
    }


def geojson_text(case_ids, geography=None):
    """geojson_for_cases() as JSON text, assembled from pieces serialised once per version.

    What a response sends (the browse page's format=geojson too: a table by index position
    instead of case ids was tried and cost more CPU, 52 against 38 ms for 20,000 of 100,000
    synthetic cases). Building and serialising the dictionaries anew on each request took
    about six times as long (34,000 bench cases: 773 ms against 134 ms, on a loaded machine).
    """
    geography = geography or current_geography()
    counts, listed, unmapped, _first = _collect(case_ids, geography)
    case_json, town_json = geography.case_json, geography.town_json
    parts = ['{"type":"FeatureCollection","features":[']
    for town_id, first in listed.items():
        parts += (
            town_json[town_id],
            f'"count":{counts[town_id]},"cases":[',
            ",".join(map(case_json.__getitem__, first)),
            "]}},",
        )
    if listed:
        parts[-1] = "]}}"  # no comma after the last feature
    parts.append(f'],"types":{geography.types_json},"unmapped":{json.dumps(unmapped)}}}')
    return "".join(parts)


def prefecture_counts():
    """{prefecture code: number of published cases with a place in it}, for the choropleth."""
    rows = (
        Place.objects.filter(case__status=Case.Status.PUBLISHED)
        .annotate(code=Coalesce(F("prefecture__code"), F("municipality__prefecture__code")))
        .exclude(code=None)
        .values("code")
        .annotate(cases=Count("case_id", distinct=True))
        .order_by()
    )
    return {row["code"]: row["cases"] for row in rows}


def nearby_context(case, limit=5, geography=None):
    """What _nearby.html shows on a case page: 近くの事例 and 規模の近い自治体の事例.

    Both population lists (same 地方, and anywhere) are given, so that the choice is the
    reader's without a request of its own: the case page is cached whole.
    """
    from django.urls import reverse
    from django.utils.http import urlencode

    from .facets import POPULATION_BANDS  # facets imports models; keep geo importable alone

    geography = geography or current_geography()
    browse = reverse("cases:case_list")
    nearest = nearest_cases(case, limit, geography)
    near_url = None
    towns = geography.case_towns.get(case.pk, ())
    if nearest and towns:
        origin = geography.towns[towns[0]]
        # The list measures from whichever of the case's municipalities is nearest; the link
        # measures from the first, so its distance must reach every case listed from there.
        farthest = max(
            min(
                great_circle_km(origin.latitude, origin.longitude, town.latitude, town.longitude)
                for town in map(geography.towns.__getitem__, geography.case_towns[item["case_id"]])
            )
            for item in nearest
        )
        km = min(NEAR_MAX_KM, max(NEAR_MIN_KM, math.ceil(farthest)))
        near_url = f"{browse}?{urlencode({'near': origin.lg_code, 'km': km})}"
        near_origin = origin
    else:
        near_origin = None
    population = geography.population.get(case.pk)
    band = next(
        (b for b in POPULATION_BANDS if population is not None and b.contains(population)), None
    )
    regions = sorted(geography.regions.get(case.pk, ()))
    band_url = None
    if band:
        band_url = f"{browse}?{urlencode([('pop', band.value), *(('region', r) for r in regions)])}"
    return {
        "case": case,
        "nearest": nearest,
        "near_url": near_url,
        "near_origin": near_origin,
        "town_count": len(towns),
        "population": population,
        "population_range": population_range(case, geography),
        "same_region": similar_population_cases(case, True, limit, geography),
        "anywhere": similar_population_cases(case, False, limit, geography),
        "band": band,
        "band_url": band_url,
    }
