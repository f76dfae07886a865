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


def by_relevance(queryset, query):
    """Order cases whose title contains the query's first word first, then by title.

    In SQL, cases.search.title_matches().
    """
    first_word = query_words(query)[0]
    return queryset.alias(
        title_miss=models.Case(
            When(search_title__contains=first_word, then=Value(0)),
            default=Value(1),
        )
    ).order_by("title_miss", "title", "pk")


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
    return queryset.order_by("title", "pk")


def counts(browse):
    return facet_counts(searched(browse), browse.selected).counts
