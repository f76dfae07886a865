"""Count and page browse results from in-memory bitsets, so browsing stays fast at any size.

Every published case gets a bit position (its rank by title in the database's collation; the
「事例名」 sort itself is 五十音 order, one of the orders kept). For each facet value the index
holds a Python int whose set bits are the cases with that value; counting the cases of a
selection is then an AND and a popcount. The index is built from the CaseFacet rows once per
process. When the catalogue's version token changes (see CatalogueVersion), the process reads
the IndexChange rows written with it: if they name a few cases, it applies just those to a copy
of the index (their facet pairs, their sort positions, their membership of each cached search),
which takes milliseconds where a rebuild takes seconds at 100,000 cases; otherwise it rebuilds.
Either way the new index is a new object, swapped in whole, so a reader never sees one half
applied. Everything is read in one database snapshot (see snapshot()).

tests/cases/sql_reference.py expresses the same selections in SQL; the tests hold the two equal,
and hold an index updated change by change equal to one built afresh.
"""

import bisect
import functools
import heapq
import itertools
import operator
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max

from ..indexing import title_order_key
from ..models import Case, CaseFacet, CatalogueVersion, IndexChange
from ..search import query_words, text_matches, title_matches
from .definitions import FACETS, dynamic_labels

SEARCH_CACHE_SIZE = 256
# The facets whose counts come from each case's own values when a selection is small.
MANY_OPTIONS = tuple(facet.param for facet in FACETS if facet.top_options)
# A selection of at most 1/MEMBERS_FRACTION of the cases (or all but that many) is counted from
# the values of its cases (or of those left out), not by an AND per value: measured at 100,000
# cases and 2,000 organisations, reading a tenth of the cases' values costs about what the ANDs
# do (15 ms).
MEMBERS_FRACTION = 10


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
    populations: list  # sort keys, by position
    latest_years: list
    changed_at: list  # content_changed_at: the feed's order
    title_kanas: list  # readings: the 「事例名」 (五十音) order
    prefecture_codes: list  # lowest JIS prefecture code of the places, "" for none
    # For the facets with thousands of options (Facet.top_options): each position's values, so
    # that a small selection's counts come from its own cases (see many_counts()).
    members: dict = field(default_factory=dict)  # facet -> [tuple of values, by position]
    last_change: int = 0  # the last IndexChange this index reflects
    applied_from: str = ""  # the version this copy applied changes to; "" for a full build
    searches: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def all_bits(self):
        return (1 << len(self.ids)) - 1

    @classmethod
    def build(cls, version=None):
        """Build the index of the catalogue as it is now (version: ignored, read with the data)."""
        with snapshot():
            return cls._build()

    @classmethod
    def _build(cls):
        version = read_version()
        last_change = IndexChange.objects.aggregate(last=Max("pk"))["last"] or 0
        rows = list(Case.objects.published().order_by("title", "pk").values_list(*CASE_COLUMNS))
        position = {row[0]: index for index, row in enumerate(rows)}
        grouped = defaultdict(list)
        facet_rows = CaseFacet.objects.filter(case__status=Case.Status.PUBLISHED).values_list(
            "case_id", "facet", "value"
        )
        for case_id, facet, value in facet_rows.iterator(chunk_size=10_000):
            grouped[(facet, value)].append(position[case_id])
        size = len(rows)
        bits = {key: positions_to_bits(found, size) for key, found in grouped.items()}
        members = {param: [[] for _ in range(size)] for param in MANY_OPTIONS}
        for (facet, value), found in grouped.items():
            if facet in members:
                for at in found:
                    members[facet][at].append(value)
        index = cls(
            version=version,
            bits=bits,
            by_facet=group_by_facet(bits),
            orders={},
            labels=dynamic_labels(),
            members={
                param: [tuple(values) for values in lists] for param, lists in members.items()
            },
            last_change=last_change,
            **{name: [row[column] for row in rows] for column, name in enumerate(CASE_LISTS)},
        )
        index.orders = {
            sort: sorted(range(size), key=functools.partial(key, index))
            for sort, key in ORDER_KEYS.items()
        }
        return index

    def updated(self):
        """Return the index of the catalogue as it is now: self, a copy with changes applied, or
        a new build."""
        with snapshot():
            version = read_version()
            if version == self.version:
                return self
            changes = list(
                IndexChange.objects.filter(pk__gt=self.last_change)
                .order_by("pk")
                .values_list("pk", "case_pk", "parent")
            )
            changed = {case_pk for _, case_pk, _ in changes}
            if (
                not changes
                or changes[0][2] != self.version
                or None in changed
                or len(changed) > MAX_APPLIED_CASES
            ):
                return self._build()
            return self._applied(version, changes[-1][0], changed)

    def _applied(self, version, last_change, changed):
        """A copy of the index with the changed cases taken out and, if published, put back."""
        published = Case.objects.published()
        # The changed cases still published, in title order (the database's collation, not
        # Python's, orders titles).
        rows = {
            row[0]: row
            for row in published.filter(pk__in=changed)
            .order_by("title", "pk")
            .values_list(*CASE_COLUMNS, "search_text")
        }
        facets = defaultdict(list)
        for case_id, facet, value in CaseFacet.objects.filter(case_id__in=rows).values_list(
            "case_id", "facet", "value"
        ):
            facets[case_id].append((facet, value))
        removed = sorted(at for at in map(self.old_position, changed) if at is not None)
        kept = len(self.ids) - len(removed)
        ranks = []
        for placed, (case_id, row) in enumerate(rows.items()):
            # The unchanged case that follows it in title order says where it goes: one
            # index probe, where counting the cases before it would read half the index.
            title = row[TITLE]
            successor = (
                published.exclude(pk__in=changed)
                .filter(title__gte=title)
                .exclude(title=title, pk__lt=case_id)
                .order_by("title", "pk")
                .values_list("pk", flat=True)
                .first()
            )
            if successor is None:
                at = kept
            else:
                old = self.old_position(successor)
                if old is None:  # the index missed a change: start afresh
                    return self._build()
                at = old - bisect.bisect_left(removed, old)
            ranks.append((at + placed, case_id))
        inserted = [rank for rank, _ in ranks]
        size = len(self.ids) - len(removed) + len(inserted)
        move = functools.partial(move_bits, removed=removed, inserted=inserted)

        def spliced(by_position, value_of):
            """A per-position list without the removed cases, with the changed ones put back."""
            values = list(by_position)
            for at in reversed(removed):
                del values[at]
            for rank, case_id in ranks:
                values.insert(rank, value_of(case_id))
            return values

        lists = {
            name: spliced(getattr(self, name), lambda case_id, c=column: rows[case_id][c])
            for column, name in enumerate(CASE_LISTS)
        }
        members = {
            param: spliced(
                by_position,
                lambda case_id, p=param: tuple(v for f, v in facets[case_id] if f == p),
            )
            for param, by_position in self.members.items()
        }

        bits = {key: move(value) for key, value in self.bits.items()}
        for rank, case_id in ranks:
            for key in facets[case_id]:
                bits[key] = bits.get(key, 0) | (1 << rank)
        bits = {key: value for key, value in bits.items() if value}

        with self.lock:
            searches = OrderedDict(self.searches)
        for query, (found, in_title) in searches.items():
            found, in_title = move(found), move(in_title)
            words = query_words(query)
            for rank, case_id in ranks:
                if text_matches(words, rows[case_id][SEARCH_TEXT]):
                    found |= 1 << rank
                    if title_matches(words, rows[case_id][SEARCH_TITLE]):
                        in_title |= 1 << rank
            searches[query] = (found, in_title)

        index = type(self)(
            version=version,
            bits=bits,
            by_facet=group_by_facet(bits),
            orders={},
            # Reloaded (three small queries): a theme renamed, or a document cited by a case
            # just published, changes the options even when the change names only cases.
            labels=dynamic_labels(),
            applied_from=self.version,
            members=members,
            last_change=last_change,
            searches=searches,
            **lists,
        )
        new_position = kept_positions(size, removed, inserted)
        for sort, order in self.orders.items():
            moved = renumbered(order, new_position)
            for rank in inserted:
                bisect.insort(moved, rank, key=functools.partial(ORDER_KEYS[sort], index))
            index.orders[sort] = moved
        return index

    def old_position(self, case_id):
        """A case's position, or None; without building the position map for a few cases."""
        if "_position" in self.__dict__:
            return self._position.get(case_id)
        try:
            return self.ids.index(case_id)
        except ValueError:
            return None

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
        words = query_words(query)
        matches = Case.objects.published().search(query).order_by().values_list("pk", flat=True)
        position = self.position
        found = [position[pk] for pk in matches if pk in position]
        # Relevance: cases whose title contains the first word come first.
        titles = self.search_titles
        in_title = [p for p in found if title_matches(words, titles[p])]
        size = len(self.ids)
        result = (positions_to_bits(found, size), positions_to_bits(in_title, size))
        with self.lock:
            self.searches[query] = result
            while len(self.searches) > SEARCH_CACHE_SIZE:
                self.searches.popitem(last=False)
        return result

    def options_of(self, facet, case_id):
        """The (value, label) options of a table-backed facet that a published case has.

        Read from the bits and labels in memory: a case page lists its 共通項 without a query.
        """
        position = self.position.get(case_id)
        if position is None:
            return []
        return [
            (value, label)
            for value, label in self.labels.get(facet, [])
            if self.bits.get((facet, value), 0) >> position & 1
        ]

    @property
    def position(self):
        if not hasattr(self, "_position"):
            self._position = {case_id: index for index, case_id in enumerate(self.ids)}
        return self._position

    def ids_mask(self, case_ids):
        """The bits of the given cases (those not in the index are left out)."""
        position = self.position
        return positions_to_bits(
            [position[case_id] for case_id in case_ids if case_id in position], len(self.ids)
        )

    def value_counts(self, facet, bits):
        """{value: how many of bits have it} for one facet, values with none left out."""
        counts = {}
        for value, value_bits in self.by_facet.get(facet, ()):
            count = (value_bits & bits).bit_count()
            if count:
                counts[value] = count
        return counts

    def totals(self, facet):
        """({value: number of published cases}, [(number, value, bits)] largest first) of one
        facet, counted once per index."""
        with self.lock:
            found = self.__dict__.setdefault("_totals", {})
            if facet not in found:
                values = self.by_facet.get(facet, ())
                largest = sorted(
                    ((bits.bit_count(), value, bits) for value, bits in values),
                    key=lambda item: -item[0],
                )
                found[facet] = ({value: n for n, value, _bits in largest}, largest)
            return found[facet]

    def many_counts(self, facet, bits, top=None, chosen=()):
        """{value: how many of bits have it}, values with none left out, for a facet with
        thousands of values (organisations), where an AND per value is a pass over thousands of
        bitsets: about 15 ms a request at 100,000 cases and 2,000 organisations.

        All the cases: the totals. A few (at most one in MEMBERS_FRACTION): the values of those
        cases, read by position (1 ms for 1,000 cases). All but a few: the totals less the
        values of the cases left out. In between, with `top`, only the values that can be among
        the `top` largest (and the chosen ones) are counted, largest total first: a value whose
        total is below the top-th count so far cannot reach it. Otherwise the AND per value.
        """
        size = len(self.ids)
        in_bits = bits.bit_count()
        totals, largest = self.totals(facet)
        if in_bits == size:
            return totals
        members = self.members[facet]
        if in_bits * MEMBERS_FRACTION <= size:
            return dict(Counter(v for at in bit_positions(bits) for v in members[at]))
        if (size - in_bits) * MEMBERS_FRACTION <= size:
            counts = dict(totals)
            for at in bit_positions(self.all_bits & ~bits):
                for value in members[at]:
                    counts[value] -= 1
            return {value: count for value, count in counts.items() if count}
        if top is None:
            return self.value_counts(facet, bits)
        counts, best = {}, []  # best: a min-heap of the top largest counts so far
        for total, value, value_bits in largest:
            if len(best) == top and total < best[0]:
                break
            count = (value_bits & bits).bit_count()
            if count:
                counts[value] = count
                (heapq.heappush if len(best) < top else heapq.heappushpop)(best, count)
        for value in chosen:
            count = (self.bits.get((facet, value), 0) & bits).bit_count()
            if count:
                counts[value] = count
        return counts

    def select(self, selected, query, sort, mask=None, *, with_counts=True, complete=True):
        """Return the results and facet counts of a browse request.

        mask: the bits of a filter that is not a facet (the `near` distance); like the search,
        it narrows what every facet counts. with_counts=False leaves the counts empty, for a
        reader of the results alone (the feed). complete=False counts, of a facet with
        thousands of options, only what a page shows (its largest and its chosen options).
        """
        base, title_matches = self.all_bits, 0
        if query:
            base, title_matches = self.search_mask(query)
        if mask is not None:
            base &= mask
        masks = {
            facet: self.facet_mask(facet, values) for facet, values in selected.items() if values
        }
        result = base
        for facet_bits in masks.values():
            result &= facet_bits
        counts = {}
        for facet in FACETS if with_counts else ():
            others = base
            for other, facet_bits in masks.items():
                if other != facet.param:
                    others &= facet_bits
            if facet.param in self.members:
                top = None if complete else facet.top_options
                found = self.many_counts(facet.param, others, top, selected.get(facet.param, ()))
                for value, count in found.items():
                    counts[(facet.param, value)] = count
                continue
            for value, bits in self.by_facet.get(facet.param, ()):
                count = (bits & others).bit_count()
                if count:
                    counts[(facet.param, value)] = count
        if sort == "relevance" and query:
            return IndexedResults(self, result, self.orders["title"], first=title_matches), counts
        return IndexedResults(self, result, self.orders.get(sort, self.orders["title"])), counts


class IndexedResults(Sequence):
    """The matching cases in display order, fetched from the database a page at a time.

    The order is a list of positions (without one, bit order). The cases in first come before
    the others, each group in that order.
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
        elif not self.first:
            yield from self._in_order(self.flags)
        else:
            yield from self._in_order(bin(self.bits & self.first)[2:][::-1])
            yield from self._in_order(bin(self.bits & ~self.first)[2:][::-1])

    def _in_order(self, flags):
        """The positions of the order whose flag (one character per position) is "1"."""
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
            if _current is None:
                _current = FacetIndex.build()
            elif _current.version != version:
                _current = _current.updated()
            index = _current
    return index


# Building blocks -------------------------------------------------------------------------------

# The columns of a published case the index keeps, by position, and the lists they fill.
CASE_COLUMNS = (
    "pk",
    "population",
    "latest_source_year",
    "slug",
    "title",
    "search_title",
    "content_changed_at",
    "title_kana",
    "prefecture_code",
)
CASE_LISTS = (
    "ids",
    "populations",
    "latest_years",
    "slugs",
    "titles",
    "search_titles",
    "changed_at",
    "title_kanas",
    "prefecture_codes",
)
# Where _applied() finds what it reads in a row of CASE_COLUMNS (and search_text after them).
TITLE = CASE_COLUMNS.index("title")
SEARCH_TITLE = CASE_COLUMNS.index("search_title")
SEARCH_TEXT = len(CASE_COLUMNS)
# A case applied one by one costs a query (where its title goes); past this many, rebuild.
MAX_APPLIED_CASES = 100

NEWEST_FIRST = "-content_changed_at"


def title_key(index, at):
    """Where a position goes in the 「事例名」 order (cases.indexing.title_order_key)."""
    return title_order_key(index.title_kanas[at], index.titles[at])


# Each sort's key of a position. The position itself breaks ties, so equal keys stay in bit
# order; cases without a stated population come last either way, as SQL's nulls last.
ORDER_KEYS = {
    "title": lambda index, at: (*title_key(index, at), at),
    # North to south by JIS code; cases without a prefecture (nationwide, abroad) last.
    "prefecture": lambda index, at: (
        not index.prefecture_codes[at],
        index.prefecture_codes[at],
        *title_key(index, at),
        at,
    ),
    "population": lambda index, at: (
        index.populations[at] is None,
        index.populations[at] or 0,
        at,
    ),
    "-population": lambda index, at: (
        index.populations[at] is None,
        -(index.populations[at] or 0),
        at,
    ),
    "-latest_source": lambda index, at: (-(index.latest_years[at] or 0), at),
    # The feed's order (not a sort the browse page offers): newest change first; cases never
    # dated (drafts published before the field existed) last.
    NEWEST_FIRST: lambda index, at: (
        index.changed_at[at] is None,
        -index.changed_at[at].timestamp() if index.changed_at[at] else 0,
        at,
    ),
}


@contextmanager
def snapshot():
    """Read the cases, their facet rows and the version as of one moment.

    On PostgreSQL each statement of a READ COMMITTED transaction sees its own moment: a case
    unpublished between reading the cases and their facet rows made builds fail (KeyError).
    REPEATABLE READ gives the whole transaction one snapshot. Inside an outer transaction
    (tests, a management command) the level can no longer be set, and that transaction is the
    snapshot its caller chose.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def read_version():
    return CatalogueVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def group_by_facet(bits):
    by_facet = defaultdict(list)
    for (facet, value), facet_bits in bits.items():
        by_facet[facet].append((value, facet_bits))
    return dict(by_facet)


def move_bits(bits, *, removed, inserted):
    """Take out the bits at removed (old positions) and open empty ones at inserted (new ones).

    Both ascending. What lies above each position shifts down, or up, by one.
    """
    for at in reversed(removed):
        bits = (bits & ((1 << at) - 1)) | ((bits >> (at + 1)) << at)
    for at in inserted:
        bits = (bits & ((1 << at) - 1)) | ((bits >> at) << (at + 1))
    return bits


def renumbered(order, new_position):
    """The order's positions renumbered by new_position, those removed (-1) left out.

    At 100,000 cases this runs for every sort after each edit: itemgetter maps in C, five times
    faster than a comprehension, and the few removed positions are taken out after.
    """
    if len(order) < 2:
        return [at for at in (new_position[old] for old in order) if at >= 0]
    moved = list(operator.itemgetter(*order)(new_position))
    for _ in range(moved.count(-1)):
        moved.remove(-1)
    return moved


def kept_positions(new_size, removed, inserted):
    """List, for every old position, its new one (-1 where removed): as move_bits() moves it.

    The cases kept stay in their order and fill the new positions not inserted, in order.
    """
    free, start = [], 0
    for at in inserted:
        free.extend(range(start, at))
        start = at + 1
    free.extend(range(start, new_size))
    for at in removed:
        free.insert(at, -1)
    return free
