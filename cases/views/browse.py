from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.generic import ListView

from .. import exports
from ..browse import SORTS, BrowseQuery
from ..choropleth import render_choropleth
from ..facets import FacetCounts, build_facets
from ..facets.index import current_index
from ..geo import NEAR_MAX_KM, NEAR_MIN_KM, cases_near, current_geography, geojson_text, map_summary
from ..models import Case

PAGE_SIZE = 20
# The distances the near picker offers; any whole number of km in NEAR_MIN_KM..NEAR_MAX_KM works.
NEAR_KM_CHOICES = (10, 20, 30, 50, 100, 200, 300)


class CaseListView(ListView):
    model = Case
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        index = current_index()
        # Theme, prefecture and source labels change with the catalogue, so the index keeps them.
        self.labels = index.labels
        self.index = index
        self._geography = None
        self.browse = browse = BrowseQuery.parse(
            request.GET, self.labels, lambda text: self.geography.find_origin(text)
        )
        mask = None
        if browse.near:
            mask = index.ids_mask(cases_near(browse.near.lg_code, browse.km, self.geography))
        self.results, self.counts = index.select(
            browse.selected, browse.query, browse.sort_key, mask
        )
        if browse.format == "geojson":
            return HttpResponse(
                geojson_text(self.results.ids(), self.geography),
                content_type="application/geo+json",
            )
        if browse.format == "csv":
            return exports.csv_response(
                request, self.results, browse, index.version, exports.csv_row_limit(request)
            )
        return super().get(request, *args, **kwargs)

    @property
    def geography(self):
        """The map table of the index's catalogue version, loaded only by requests that use it."""
        if self._geography is None:
            self._geography = current_geography(self.index.version)
        return self._geography

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
            view=browse.view,
            list_query=browse.querydict_for_view("list"),
            map_query=browse.querydict_for_view("map"),
            near=browse.near,
            near_km=browse.km,
            near_km_choices=NEAR_KM_CHOICES,
            near_km_min=NEAR_MIN_KM,
            near_km_max=NEAR_MAX_KM,
        )
        if browse.view == "map":
            context.update(self.map_context())
        return context

    def map_context(self):
        """The map view's text: municipalities with counts, the cases the map cannot show, and
        the prefecture map of the selection shown when the tiles do not load."""
        # A prefecture's link adds it to the selection and stays on the map.
        list_query = self.browse.querydict().urlencode()
        base = self.request.path

        def add_prefecture(code):
            return f"{base}?{list_query}&pref={code}" if list_query else f"{base}?pref={code}"

        prefecture_counts = self.index.value_counts("pref", self.results.bits)
        return {
            "map": map_summary(self.results.ids(), self.geography),
            "geojson_query": self.browse.querydict_for_view("list"),
            "selection_map": render_choropleth(
                prefecture_counts, add_prefecture, caption="都道府県別の事例数（この条件）"
            ),
        }

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
        if browse.near:
            active.append(
                {
                    "facet": _("距離"),
                    "label": _("%(place)sから%(km)dkm以内")
                    % {"place": browse.near.prefecture + browse.near.name, "km": browse.km},
                    "remove": browse.querydict(remove=("near", browse.near.lg_code)).urlencode(),
                }
            )
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
