"""The browse selection in SQL: the oracle the in-memory index (cases.facets.index) is held to.

The site answers browse requests from the index alone; this module says the same thing over
the CaseFacet rows and Case columns, slowly but plainly, so the tests can compare the two.
"""

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce

from cases.facets import FACETS, FacetCounts
from cases.models import Case, CaseFacet
from cases.search import query_words
from tests.oracles import reading_order_key


def _matches(facet, values, outer="pk"):
    return Exists(CaseFacet.objects.filter(case=OuterRef(outer), facet=facet, value__in=values))


def filter_by_facets(queryset, selected):
    """Keep cases matching every selected facet (values of one facet are alternatives)."""
    for facet, values in selected.items():
        if values:
            queryset = queryset.filter(_matches(facet, values))
    return queryset


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


def in_order(queryset, key):
    """The queryset in the order key(case) gives, ties by pk, as one ORDER BY.

    SQL has no 五十音 collation: the order of the few rows is worked out in Python with the
    oracle's own key (tests.oracles), then handed to the database as a CASE on the pk.
    """
    cases = sorted(queryset.order_by(), key=lambda case: (key(case), case.pk))
    if not cases:
        return queryset.order_by("pk")
    rank = models.Case(
        *(When(pk=case.pk, then=Value(at)) for at, case in enumerate(cases)),
        output_field=models.IntegerField(),
    )
    return queryset.alias(rank=rank).order_by("rank")


def by_reading(case):
    return reading_order_key(case.title_kana, case.title)


def by_prefecture(case):
    """The lowest JIS code of its places' prefectures (nationwide, foreign: none), read from the
    base tables; cases without one last."""
    codes = [
        (place.prefecture or place.municipality.prefecture).code
        for place in case.places.all()
        if place.prefecture or place.municipality
    ]
    lowest = min(codes, default=None)
    return (lowest is None, lowest or "", by_reading(case))


def by_relevance(queryset, query):
    """Order cases whose title contains the query's first word first, then by reading.

    In SQL, cases.search.title_matches().
    """
    first_word = query_words(query)[0]
    return in_order(
        queryset.alias(
            title_miss=models.Case(
                When(search_title__contains=first_word, then=Value(0)),
                default=Value(1),
            )
        ).annotate(miss=F("title_miss")),
        lambda case: (case.miss, by_reading(case)),
    )


def searched(browse):
    """The published cases a BrowseQuery's search keeps, before any facet: the counts' base."""
    queryset = Case.objects.published()
    return queryset.search(browse.query) if browse.query else queryset


def select(browse):
    """The cases a browse request (cases.browse.BrowseQuery) shows, in its order, as a queryset."""
    queryset = filter_by_facets(searched(browse), browse.selected)
    sort = browse.sort_key
    if sort == "relevance" and browse.query:
        return by_relevance(queryset, browse.query)
    if sort == "-population":
        return queryset.order_by(F("population").desc(nulls_last=True), "title", "pk")
    if sort == "population":
        return queryset.order_by(F("population").asc(nulls_last=True), "title", "pk")
    if sort == "-latest_source":
        return queryset.order_by(Coalesce("latest_source_year", 0).desc(), "title", "pk")
    if sort == "prefecture":
        places = queryset.prefetch_related("places__municipality__prefecture", "places__prefecture")
        return in_order(places, by_prefecture)
    return in_order(queryset, by_reading)


def newest_first(browse):
    """The cases of a selection in the feed's order: newest content_changed_at first, undated
    last, ties by title (cases.facets.index.NEWEST_FIRST)."""
    queryset = filter_by_facets(searched(browse), browse.selected)
    return queryset.order_by(F("content_changed_at").desc(nulls_last=True), "title", "pk")


def counts(browse):
    return facet_counts(searched(browse), browse.selected).counts
