"""The overview of a selection (/cases/overview/): charts, cross-tabulations, figures; JSON, CSV."""

import dataclasses

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .. import exports, overview
from ..browse import BrowseQuery
from ..facets import FACETS
from ..facets.display import active_filters
from ..facets.index import current_index
from ..geo import current_geography, near_mask
from ..models import KeyFigure


class CaseOverviewView(TemplateView):
    template_name = "cases/case_overview.html"

    def get(self, request, *args, **kwargs):
        index = current_index()
        # The distance filter as the list has it; the map table is read only when it is used.
        self.browse = browse = BrowseQuery.parse(
            request.GET,
            index.labels,
            lambda text: current_geography(index.version).find_origin(text),
        )
        self.query = query = overview.OverviewQuery.parse(request.GET)
        mask = near_mask(index, browse)
        self.results, self.charts = overview.charts(index, browse, query, mask)
        self.crosstabs = [
            overview.crosstab(index, browse, query, rows, cols, mask)
            for rows, cols in query.crosstabs
        ]
        for table, form in zip(self.crosstabs, overview.CROSSTAB_PARAMS, strict=True):
            table["form"] = form  # the names of its two <select>s
        self.figures = self.figure_table()
        if browse.format == "json":
            return JsonResponse(self.document(), json_dumps_params={"ensure_ascii": False})
        if browse.format == "csv" and query.chart:
            return self.csv_response(query.chart)
        return super().get(request, *args, **kwargs)

    def figure_table(self):
        """The stated figures of the kind asked for, or None; a notice when there are too many."""
        kind = self.query.figure_kind
        if not kind:
            return None
        count = len(self.results)
        if count > overview.FIGURES_MAX_CASES:
            return {
                "kind": kind,
                "kind_label": KeyFigure.Kind(kind).label,
                "rows": [],
                "total": None,
                "notice": _(
                    "数値の一覧は、%(limit)s件以下に絞り込むと表示します（いまは%(count)s件）。"
                )
                % {"limit": f"{overview.FIGURES_MAX_CASES:,}", "count": f"{count:,}"},
            }
        rows, total = overview.figures(self.results.ids(), kind, self.query.figure_sort)
        for figure in rows:
            figure.value_text = overview.figure_record(figure)["value"]
        return {
            "kind": kind,
            "kind_label": KeyFigure.Kind(kind).label,
            "rows": rows,
            "total": total,
            "notice": "",
        }

    def notices(self):
        # The overview has no pages: a page number, whatever it is, is not worth a notice.
        notices = dataclasses.replace(self.browse, page=1, page_raw="1").notices(1)
        if self.browse.format == "csv" and not self.query.chart:
            notices.append(_("CSVは、各グラフの「CSV」のリンクから取得してください。"))
        return [*notices, *self.query.notices]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        browse, query = self.browse, self.query
        selection = browse.querydict()
        links = overview.SelectionLinks(browse, query)
        context.update(
            browse=browse,
            total=len(self.results),
            query=browse.query,
            charts=self.charts,
            crosstabs=self.crosstabs,
            facet_choices=[
                (facet.param, facet.label)
                for facet in FACETS
                if facet.param in overview.CROSSTAB_FACETS
            ],
            figures=self.figures,
            figure_kinds=[
                (
                    kind,
                    label,
                    links({}, figure_kind=kind),
                )
                for kind, label in KeyFigure.Kind.choices
            ],
            figure_sorts=self.figure_sort_links(),
            active_filters=active_filters(browse, self.charts),
            notices=self.notices(),
            selection=selection,
            selection_pairs=[
                (name, value) for name, values in selection.lists() for value in values
            ],
            own_params=query.params(),
        )
        return context

    def figure_sort_links(self):
        """Each sortable column's link: its descending order first, then the other way."""
        links, query = overview.SelectionLinks(self.browse, self.query), self.query
        sorts = {}
        for column in ("value", "date", "case"):
            current = query.figure_sort.lstrip("-") == column
            if column == "case":
                sort = "case"
            elif current and query.figure_sort.startswith("-"):
                sort = column
            else:
                sort = f"-{column}"
            sorts[column] = {
                "query": links({}, figure_sort=sort),
                "aria_sort": (
                    ("descending" if query.figure_sort.startswith("-") else "ascending")
                    if current
                    else None
                ),
            }
        return sorts

    # JSON and CSV ------------------------------------------------------------------------------

    def document(self):
        """The whole overview as JSON (its shape is documented in the README)."""
        figures = self.figures
        return {
            "schema_version": exports.SCHEMA_VERSION,
            "count": len(self.results),
            "selection": {
                "q": self.browse.query,
                "facets": {
                    param: values for param, values in self.browse.selected.items() if values
                },
                "near": self.browse.near
                and {"lg_code": self.browse.near.lg_code, "km": self.browse.km},
            },
            "charts": [
                {
                    "param": chart["param"],
                    "label": chart["label"],
                    "options": [
                        {
                            "value": option["value"],
                            "label": option["label"],
                            "count": option["count"],
                            "selected": option["selected"],
                        }
                        for option in chart["options"]
                    ],
                }
                for chart in self.charts
            ],
            "crosstabs": [
                {
                    "rows": table["rows"],
                    "columns": table["columns"],
                    "column_options": table["column_options"],
                    "row_options": [
                        {"value": row["value"], "label": row["label"]} for row in table["table"]
                    ],
                    "counts": [[cell["count"] for cell in row["cells"]] for row in table["table"]],
                }
                for table in self.crosstabs
            ],
            "figures": figures
            and {
                "kind": figures["kind"],
                "total": figures["total"],
                "sort": self.query.figure_sort,
                "rows": [overview.figure_record(figure) for figure in figures["rows"]],
            },
            "notices": self.notices(),
        }

    def csv_lines(self, chart):
        if chart in ("crosstab1", "crosstab2"):
            table = self.crosstabs[int(chart[-1]) - 1]
            yield [
                f"{table['rows']['label']} ＼ {table['columns']['label']}",
                *(column["label"] for column in table["column_options"]),
            ]
            for row in table["table"]:
                yield [row["label"], *(cell["count"] for cell in row["cells"])]
        elif chart == "figures":
            yield [
                *("事例", "場所", "項目", "資料の表記", "数値"),
                *("単位", "修飾", "時点", "出典", "箇所"),
            ]
            for figure in (self.figures or {}).get("rows", []):
                record = overview.figure_record(figure)
                yield [
                    record["case_title"],
                    record["place"],
                    record["label"],
                    record["as_printed"],
                    record["value"],
                    record["unit"],
                    record["qualifier"],
                    record["as_of"] or "時点の記載なし",
                    record["source_title"],
                    record["section"],
                ]
        else:
            facet = next(item for item in self.charts if item["param"] == chart)
            yield ["項目", "値", "名称", "事例数", "選択中"]
            for option in facet["options"]:
                yield [
                    facet["label"],
                    option["value"],
                    option["label"],
                    option["count"],
                    "はい" if option["selected"] else "",
                ]

    def csv_response(self, chart):
        # UTF-8 with a BOM, like the list's CSV, and every cell through neutralise_cell().
        body = "\ufeff" + "".join(exports.csv_line(cells) for cells in self.csv_lines(chart))
        response = HttpResponse(body.encode(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kokudo-overview-{chart}.csv"'
        return response
