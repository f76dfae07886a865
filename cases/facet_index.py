"""Count and page browse results from in-memory bitsets, so browsing stays fast at any size.

Every published case gets a bit position (its rank by title). For each facet value the index
holds a Python int whose set bits are the cases with that value; counting the cases of a
selection is then an AND and a popcount. The index is built from the CaseFacet rows once per
process and rebuilt when the catalogue's version token changes (see CatalogueVersion).

The SQL path (CaseFilterSet.qs) gives the same results and stays the reference: the tests
compare the two.
"""

import functools
import itertools
import operator
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .facets import FACETS, dynamic_labels
from .models import Case, CaseFacet, CatalogueVersion
from .text import normalize

SEARCH_CACHE_SIZE = 256


def positions_to_bits(positions, size):
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def bit_positions(bits):
    """Yield the positions of the set bits, lowest first."""
    flags = bin(bits)[2:][::-1]  # one character per position, "1" where the bit is set
    position = flags.find("1")
    while position != -1:
        yield position
        position = flags.find("1", position + 1)


def title_matches_first(bits, title_matches):
    """Yield the positions of bits, those in title_matches first, each group by title."""
    yield from bit_positions(bits & title_matches)
    yield from bit_positions(bits & ~title_matches)


@dataclass
class FacetIndex:
    version: str
    ids: list  # case ids; a case's position is its rank by title
    slugs: list
    titles: list
    search_titles: list  # normalised, for relevance
    bits: dict  # (facet, value) -> int
    by_facet: dict  # facet -> [(value, int)]
    orders: dict  # sort key -> positions in that order
    labels: dict  # the options of the facets whose values live in tables
    searches: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def all_bits(self):
        return (1 << len(self.ids)) - 1

    @classmethod
    def build(cls, version):
        rows = list(
            Case.objects.published()
            .order_by("title", "pk")
            .values_list("pk", "population", "latest_source_year", "slug", "title", "search_title")
        )
        ids = [row[0] for row in rows]
        slugs = [row[3] for row in rows]
        titles = [row[4] for row in rows]
        position = {case_id: index for index, case_id in enumerate(ids)}
        grouped = defaultdict(list)
        facet_rows = CaseFacet.objects.filter(case__status=Case.Status.PUBLISHED).values_list(
            "case_id", "facet", "value"
        )
        for case_id, facet, value in facet_rows.iterator(chunk_size=10_000):
            grouped[(facet, value)].append(position[case_id])
        bits = {key: positions_to_bits(found, len(ids)) for key, found in grouped.items()}
        by_facet = defaultdict(list)
        for (facet, value), facet_bits in bits.items():
            by_facet[facet].append((value, facet_bits))
        known = [(index, row) for index, row in enumerate(rows) if row[1] is not None]
        unknown = [index for index, row in enumerate(rows) if row[1] is None]
        orders = {
            # Cases without a stated population come last either way, as in SQL (nulls last).
            "population": [i for i, _ in sorted(known, key=lambda item: item[1][1])] + unknown,
            "-population": [i for i, _ in sorted(known, key=lambda item: -item[1][1])] + unknown,
            "-latest_source": sorted(range(len(rows)), key=lambda i: -(rows[i][2] or 0)),
        }
        return cls(
            version=version,
            ids=ids,
            slugs=slugs,
            titles=titles,
            search_titles=[row[5] for row in rows],
            bits=bits,
            by_facet=dict(by_facet),
            orders=orders,
            labels=dynamic_labels(),
        )

    def shared_counts(self, facet, values, positions):
        """Return how many of values each of positions has, for those that have any."""
        candidates = positions_to_bits(positions, len(self.ids))
        counts = defaultdict(int)
        for value in values:
            for position in bit_positions(self.bits.get((facet, value), 0) & candidates):
                counts[position] += 1
        return counts

    def sharing(self, facet, values, at_least, exclude, limit):
        """Return up to limit case ids sharing the most of values (at least at_least of them)."""
        masks = [self.bits.get((facet, value), 0) for value in values]
        excluded = self.position.get(exclude)
        found = []
        for shared in range(len(masks), at_least - 1, -1):
            level = 0
            for combination in itertools.combinations(masks, shared):
                level |= functools.reduce(operator.and_, combination)
            if excluded is not None:
                level &= ~(1 << excluded)
            for position in bit_positions(level):
                if len(found) >= limit:
                    break
                if self.ids[position] not in {case_id for case_id, _ in found}:
                    found.append((self.ids[position], shared))
            if len(found) >= limit:
                break
        return found

    def count(self, facet, value):
        return self.bits.get((facet, value), 0).bit_count()

    # Selections ------------------------------------------------------------------------------

    def facet_mask(self, facet, values):
        mask = 0
        for value in values:
            mask |= self.bits.get((facet, value), 0)
        return mask

    def search_mask(self, query):
        """Return the bits of the cases matching query, and of those whose title matches too."""
        with self.lock:
            if query in self.searches:
                self.searches.move_to_end(query)
                return self.searches[query]
        first_word = normalize(query).split()[0]
        matches = Case.objects.published().search(query).order_by().values_list("pk", flat=True)
        position = self.position
        found = [position[pk] for pk in matches if pk in position]
        # As CaseQuerySet.by_relevance, which puts title matches first.
        titles = self.search_titles
        in_title = [p for p in found if first_word in titles[p]]
        size = len(self.ids)
        result = (positions_to_bits(found, size), positions_to_bits(in_title, size))
        with self.lock:
            self.searches[query] = result
            while len(self.searches) > SEARCH_CACHE_SIZE:
                self.searches.popitem(last=False)
        return result

    @property
    def position(self):
        if not hasattr(self, "_position"):
            self._position = {case_id: index for index, case_id in enumerate(self.ids)}
        return self._position

    def select(self, selected, query, sort):
        """Return the results and facet counts of a browse request."""
        base, title_matches = self.all_bits, 0
        if query:
            base, title_matches = self.search_mask(query)
        masks = {
            facet: self.facet_mask(facet, values) for facet, values in selected.items() if values
        }
        result = base
        for mask in masks.values():
            result &= mask
        counts = {}
        for facet in FACETS:
            others = base
            for other, mask in masks.items():
                if other != facet.param:
                    others &= mask
            for value, bits in self.by_facet.get(facet.param, ()):
                count = (bits & others).bit_count()
                if count:
                    counts[(facet.param, value)] = count
        if sort == "relevance" and query:
            return IndexedResults(self, result, first=title_matches), counts
        # No order: title order, which is bit order.
        return IndexedResults(self, result, self.orders.get(sort)), counts


class IndexedResults(Sequence):
    """The matching cases in display order, fetched from the database a page at a time.

    The order is a list of positions; without one, the cases in first come before the others,
    each group in bit order (by title).
    """

    def __init__(self, index, bits, order=None, first=0):
        self.index, self.bits, self.order, self.first = index, bits, order, first
        self._flags = None
        self._count = bits.bit_count()

    def __len__(self):
        return self._count

    def count(self, value=None):
        return self._count if value is None else super().count(value)

    @property
    def flags(self):
        # One character per position, "1" where the case matches.
        if self._flags is None:
            self._flags = bin(self.bits)[2:][::-1]
        return self._flags

    def positions(self):
        if self.order is None:
            yield from title_matches_first(self.bits, self.first)
        else:
            flags = self.flags
            size = len(flags)
            for position in self.order:
                if position < size and flags[position] == "1":
                    yield position

    def ids(self, start=0, stop=None):
        found = []
        for index, position in enumerate(self.positions()):
            if stop is not None and index >= stop:
                break
            if index >= start:
                found.append(self.index.ids[position])
        return found

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop, _ = item.indices(self._count)
            ids = self.ids(start, stop)
            cases = Case.objects.filter(pk__in=ids).for_listing().in_bulk()
            return [cases[case_id] for case_id in ids if case_id in cases]
        return self[item : item + 1][0]


_current = None
_build_lock = threading.Lock()


def current_index(version=None):
    """Return the index for the catalogue as it is now.

    Reading the version costs a query, unless the caller already fetched it.
    """
    global _current
    version = version or CatalogueVersion.current()
    index = _current
    if index is None or index.version != version:
        with _build_lock:
            if _current is None or _current.version != version:
                _current = FacetIndex.build(version)
            index = _current
    return index
