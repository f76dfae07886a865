"""The catalogue at a glance (/cases/overview/): for any selection, every facet's counts, two
cross-tabulations and the stated figures of one kind.

Counts come from the in-memory index (cases.facets.index), as the browse page's do: each
chart is exactly the browse page's facet counts for the same selection (FacetIndex.select()),
so the two can never disagree. A cross-tabulation's cell counts the selection with the row's
and the column's facet set to the cell's two values, which is what its link shows. Only the
figures table reads the database, and only when a reader asks for it.
"""

import dataclasses
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from .browse import quoted_values
from .choropleth import class_breaks
from .facets import FACETS, FACETS_BY_PARAM, FacetCounts, build_facets
from .facets.display import top_options
from .models import Case, KeyFigure

DEFAULT_CROSSTABS = (("theme", "region"), ("type", "funding"))
CROSSTAB_PARAMS = (("row1", "col1"), ("row2", "col2"))
# A table of thousands of rows (organisations) says nothing at a glance: those facets are charts
# of their largest options only, and no cross-tabulation's rows or columns.
CROSSTAB_FACETS = {facet.param for facet in FACETS if facet.top_options is None}
# The heat table's shades, lightest first, each with a text colour that keeps 4.5:1 on it.
# ColorBrewer "Blues": sequential and single-hue, so each step is also a step of lightness and
# the table still reads in greyscale and for colour-blind readers. Zero cells stay white.
HEAT_SHADES = (
    ("#eff3ff", "#1a1a1a"),
    ("#c6dbef", "#1a1a1a"),
    ("#9ecae1", "#1a1a1a"),
    ("#6baed6", "#1a1a1a"),
    ("#2171b5", "#ffffff"),
    ("#08519c", "#ffffff"),
)
# The figures table reads the database for the selection's cases: past this many cases, it asks
# the reader to narrow the selection first (the counts above still cover any selection).
FIGURES_MAX_CASES = 2_000
FIGURES_MAX_ROWS = 500
FIGURE_SORTS = ("-value", "value", "-date", "date", "case")


@dataclasses.dataclass(frozen=True)
class OverviewQuery:
    """The overview's own parameters, beside the browse selection (cases.browse.BrowseQuery)."""

    crosstabs: tuple = DEFAULT_CROSSTABS  # (rows param, columns param) twice
    figure_kind: str = ""  # a KeyFigure.Kind, or "" for no figures table
    figure_sort: str = "-value"
    chart: str = ""  # which chart's CSV: a facet param, crosstab1, crosstab2 or figures
    notices: tuple = ()

    @classmethod
    def parse(cls, data):
        notices = []
        crosstabs = []
        for (row_param, col_param), default in zip(CROSSTAB_PARAMS, DEFAULT_CROSSTABS, strict=True):
            rows, cols = data.get(row_param, default[0]), data.get(col_param, default[1])
            if rows not in CROSSTAB_FACETS or cols not in CROSSTAB_FACETS or rows == cols:
                notices.append(
                    _("クロス集計の項目 %(values)s は選べないため、既定の組み合わせにしました。")
                    % {"values": quoted_values([rows, cols])}
                )
                rows, cols = default
            crosstabs.append((rows, cols))
        kind = data.get("figures", "")
        if kind and kind not in KeyFigure.Kind.values:
            notices.append(
                _("数値の種類 %(value)s はないため、数値の一覧は表示していません。")
                % {"value": quoted_values([kind])}
            )
            kind = ""
        sort = data.get("fsort", "-value")
        if sort not in FIGURE_SORTS:
            sort = "-value"
        chart = data.get("chart", "")
        charts = {*FACETS_BY_PARAM, "crosstab1", "crosstab2", "figures"}
        if chart and chart not in charts:
            notices.append(
                _("グラフ %(value)s はないため、ページとして表示しています。")
                % {"value": quoted_values([chart])}
            )
            chart = ""
        return cls(tuple(crosstabs), kind, sort, chart, tuple(notices))

    def params(self, **changes):
        """The overview's own parameters as (name, value) pairs, leaving out the defaults."""
        query = dataclasses.replace(self, **changes)
        pairs = []
        for (row_param, col_param), pair, default in zip(
            CROSSTAB_PARAMS, query.crosstabs, DEFAULT_CROSSTABS, strict=True
        ):
            if pair != default:
                pairs += [(row_param, pair[0]), (col_param, pair[1])]
        if query.figure_kind:
            pairs.append(("figures", query.figure_kind))
            if query.figure_sort != "-value":
                pairs.append(("fsort", query.figure_sort))
        return pairs


class SelectionLinks:
    """Query strings of the overview for selections that differ from the current one in one or
    two facets, keeping the search, the sort and the overview's choices.

    An overview links to hundreds of selections; each is built from pieces encoded once (the
    same pairs, in the same order, as BrowseQuery.querydict()), not from a new QueryDict.
    """

    def __init__(self, browse, overview):
        self.selected = browse.selected
        self.params = [facet.param for facet in FACETS]
        self.pieces = {}
        tail = browse.querydict()
        for param in self.params:
            tail.pop(param, None)
        self.tail = [tail.urlencode()] if tail else []
        self.overview = overview
        self.own = [urlencode(overview.params())] if overview.params() else []

    def piece(self, param, value):
        key = (param, value)
        if key not in self.pieces:
            self.pieces[key] = urlencode([key])
        return self.pieces[key]

    def __call__(self, changes, **overview_changes):
        """The query string with each facet in changes set to its values."""
        parts = [
            self.piece(param, value)
            for param in self.params
            for value in changes.get(param, self.selected[param])
        ]
        own = self.own
        if overview_changes:
            pairs = self.overview.params(**overview_changes)
            own = [urlencode(pairs)] if pairs else []
        return "&".join(parts + self.tail + own)


def charts(index, browse, overview, mask=None):
    """One chart per facet: the browse page's counts for this selection, with each bar's link.

    mask: the bits of the distance filter (`near`), as for FacetIndex.select().
    Returns (the selection's results, charts).
    """
    results, counts = index.select(
        browse.selected, browse.query, browse.sort_key, mask, complete=False
    )
    facets = build_facets(FacetCounts(counts), browse.selected, index.labels, complete=False)
    link = SelectionLinks(browse, overview)
    for facet in facets:
        if facet["top"]:  # organisations: the browse page's largest and chosen, largest first
            shown = top_options(enumerate(facet["options"]), facet["top"])
            facet["options"] = [option for _index, option in shown]
        param = facet["param"]
        chosen = browse.selected[param]
        facet["max"] = max((option["count"] for option in facet["options"]), default=0)
        for option in facet["options"]:
            value = option["value"]
            # A bar adds its value to the filter, as the browse page's checkbox does; a bar
            # already chosen takes it away again.
            values = [v for v in chosen if v != value] if option["selected"] else [*chosen, value]
            option["query"] = link({param: values})
            option["share"] = option["count"] * 100 / facet["max"] if facet["max"] else 0
    return results, facets


def heat_shade(count, breaks):
    """(background, text colour) of a cell; zero is white."""
    if count <= 0:
        return "#ffffff", "#1a1a1a"
    number = len(breaks)
    shades = (
        [HEAT_SHADES[-1]]
        if number == 1
        else [HEAT_SHADES[round(i * (len(HEAT_SHADES) - 1) / (number - 1))] for i in range(number)]
    )
    for upper, shade in zip(breaks, shades, strict=True):
        if count <= upper:
            return shade
    return shades[-1]


def crosstab(index, browse, overview, rows_param, cols_param, mask=None):
    """Count the selection by two facets at once: each cell has the row's and the column's value.

    The other facets' filters and the search apply; the row's and the column's own filters are
    replaced by the cell's values, so a cell's count is the browse count of its link.
    """
    base = index.search_mask(browse.query)[0] if browse.query else index.all_bits
    if mask is not None:
        base &= mask
    for param, values in browse.selected.items():
        if values and param not in (rows_param, cols_param):
            base &= index.facet_mask(param, values)

    def options(param):
        found = []
        for value, label in FACETS_BY_PARAM[param].options(index.labels):
            bits = index.bits.get((param, value), 0) & base
            if bits:
                found.append({"value": value, "label": str(label), "bits": bits})
        return found

    link = SelectionLinks(browse, overview)
    rows, cols = options(rows_param), options(cols_param)
    matrix = [[(row["bits"] & col["bits"]).bit_count() for col in cols] for row in rows]
    # Rows and columns with no case at all (the row's cases have no value of the column's
    # facet) say nothing: leave them out.
    kept_rows = [i for i, line in enumerate(matrix) if any(line)]
    kept_cols = [j for j in range(len(cols)) if any(line[j] for line in matrix)]
    rows, cols = [rows[i] for i in kept_rows], [cols[j] for j in kept_cols]
    matrix = [[matrix[i][j] for j in kept_cols] for i in kept_rows]
    breaks = class_breaks(count for line in matrix for count in line)
    table = []
    for row, line in zip(rows, matrix, strict=True):
        cells = []
        for col, count in zip(cols, line, strict=True):
            background, colour = heat_shade(count, breaks)
            selected = {rows_param: [row["value"]], cols_param: [col["value"]]}
            cells.append(
                {
                    "count": count,
                    "background": background,
                    "colour": colour,
                    "query": link(selected) if count else "",
                    "column": col["label"],
                }
            )
        table.append({"value": row["value"], "label": row["label"], "cells": cells})
    return {
        "rows": {"param": rows_param, "label": str(FACETS_BY_PARAM[rows_param].label)},
        "columns": {"param": cols_param, "label": str(FACETS_BY_PARAM[cols_param].label)},
        "column_options": [{"value": col["value"], "label": col["label"]} for col in cols],
        "table": table,
        "legend": [
            {"label": label, "background": heat_shade(upper, breaks)[0]}
            for label, upper in legend_classes(breaks)
        ],
    }


def legend_classes(breaks):
    """(label, a count in the class) per class of the heat table, lowest first."""
    classes, low = [], 1
    for upper in breaks:
        classes.append((f"{low}件" if low == upper else f"{low}〜{upper}件", upper))
        low = upper + 1
    return classes


# Figures -------------------------------------------------------------------------------------


def figure_sort_key(figure, sort):
    """The figures table's order. Values are compared within one unit; populations as people.

    Nothing is summed or averaged: figures that differ in unit, qualifier or date are not
    comparable quantities, only rows of a table.
    """
    field = sort.lstrip("-")
    if field == "value":
        people = figure.people
        unit = "人" if people is not None else figure.unit
        number = Decimal(people) if people is not None else (figure.value or Decimal(0))
        return (figure.value is None, unit, number)
    if field == "date":
        return (figure.undated, figure.as_of_year or 0, figure.as_of_month or 0)
    return (figure.case.title, figure.position, figure.pk)


def figures(case_ids, kind, sort):
    """The stated figures of one kind for the given cases, in the order asked for.

    Returns (rows, total): at most FIGURES_MAX_ROWS rows.
    """
    queryset = KeyFigure.objects.filter(
        case_id__in=case_ids, kind=kind, case__status=Case.Status.PUBLISHED
    ).select_related("case", "place", "source", "section")
    rows = sorted(queryset, key=lambda figure: (figure.case.title, figure.position, figure.pk))
    descending = sort.startswith("-")
    if sort.lstrip("-") != "case":
        # Rows without a value (or undated) stay last whichever way the table is sorted.
        rows.sort(key=lambda figure: figure_sort_key(figure, sort)[1:])
        if descending:
            rows.reverse()
        rows.sort(key=lambda figure: figure_sort_key(figure, sort)[0])
    return rows[:FIGURES_MAX_ROWS], len(rows)


def figure_record(figure):
    """One figure as the overview's JSON and CSV give it: as printed, with its parts and date."""
    return {
        "case": figure.case.slug,
        "case_title": figure.case.title,
        "place": figure.place.name if figure.place else None,
        "label": figure.label,
        "as_printed": figure.as_printed,
        "value": None if figure.value is None else format(figure.value.normalize(), "f"),
        "unit": figure.unit,
        "qualifier": figure.qualifier,
        "as_of": "" if figure.undated else figure.as_of_display,
        "undated": figure.undated,
        "source": figure.source.key,
        "source_title": figure.source.short_title,
        "section": figure.section_key,
        "section_heading": figure.section.heading,
        "section_page": figure.section.page,
    }
