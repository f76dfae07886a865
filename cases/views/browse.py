from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.generic import ListView

from .. import exports
from ..browse import SORTS, BrowseQuery
from ..facets import FacetCounts, build_facets
from ..facets.index import current_index
from ..models import Case

PAGE_SIZE = 20


class CaseListView(ListView):
    model = Case
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        index = current_index()
        # Theme, prefecture and source labels change with the catalogue, so the index keeps them.
        self.labels = index.labels
        self.browse = browse = BrowseQuery.parse(request.GET, self.labels)
        self.results, self.counts = index.select(browse.selected, browse.query, browse.sort_key)
        if browse.format == "csv":
            return exports.csv_response(
                request, self.results, browse, index.version, exports.csv_row_limit(request)
            )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        """The matching cases, in display order, from the in-memory facet index."""
        return self.results

    def paginate_queryset(self, queryset, page_size):
        # get_page() serves the last page for a number past the end; BrowseQuery has already
        # made a number below 1, or no number at all, page 1.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.browse.page_to_show)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        browse = self.browse
        facets = build_facets(FacetCounts(self.counts), browse.selected, self.labels)
        page = context["page_obj"]
        csv_limit = exports.csv_row_limit(self.request)
        csv_notice = ""
        if csv_limit is not None and page.paginator.count > csv_limit:
            csv_notice = _(
                "CSVには先頭の%(limit)s件だけを書き出します。すべての%(total)s件は、"
                "JSONをページごとに（page=1〜%(pages)s）取得してください。"
            ) % {
                "limit": f"{csv_limit:,}",
                "total": f"{page.paginator.count:,}",
                "pages": page.paginator.num_pages,
            }
        context.update(
            query=browse.query,
            sort=browse.sort_key,
            sorts=SORTS,
            facets=facets,
            active_filters=self.active_filters(facets),
            notices=browse.notices(page.number),
            csv_notice=csv_notice,
            csv_row_limit=csv_limit,
            total=page.paginator.count,
            canonical_query=browse.querydict(),
        )
        return context

    def active_filters(self, facets):
        """The chosen values and the search, each with the query string that removes it."""
        browse = self.browse
        active = [
            {
                "facet": facet["label"],
                "label": option["label"],
                "remove": browse.querydict(remove=(facet["param"], option["value"])).urlencode(),
            }
            for facet in facets
            for option in facet["options"]
            if option["selected"]
        ]
        if browse.query:
            active.append(
                {
                    "facet": _("キーワード"),
                    "label": browse.query,
                    "remove": browse.querydict(remove=("q", browse.query)).urlencode(),
                }
            )
        return active

    def get_template_names(self):
        # htmx asks again with HX-History-Restore-Request when Back misses its history cache;
        # it then swaps in the whole body, so it needs the whole page, not the fragment.
        htmx = self.request.htmx
        if htmx and not htmx.history_restore_request:
            return ["cases/_browse.html"]
        return ["cases/case_list.html"]

    def render_to_response(self, context, **response_kwargs):
        if self.browse.format == "json":
            notices = context["notices"]
            if context["csv_notice"]:
                notices = [*notices, context["csv_notice"]]
            document = exports.browse_document(
                context["page_obj"],
                context["facets"],
                notices,
                self.request,
                context["csv_row_limit"],
            )
            return JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response
