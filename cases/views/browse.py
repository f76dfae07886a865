from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import ListView

from .. import citations, exports, feeds, metadata
from ..browse import SORTS, BrowseQuery
from ..choropleth import render_choropleth
from ..facets import FacetCounts, build_facets
from ..facets.display import active_filters
from ..facets.index import current_index
from ..geo import (
    NEAR_MAX_KM,
    NEAR_MIN_KM,
    current_geography,
    geojson_text,
    map_summary,
    near_mask,
)
from ..http_cache import SharedResponse, mark_private
from ..models import Case, CatalogueVersion
from ..suggest import close_matches
from .pages import selection_citations

PAGE_SIZE = 20
# The distances the near picker offers; any whole number of km in NEAR_MIN_KM..NEAR_MAX_KM works.
NEAR_KM_CHOICES = (10, 20, 30, 50, 100, 200, 300)


class CaseListView(ListView):
    model = Case
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        version = CatalogueVersion.current()
        index = current_index(version)
        # Theme, prefecture and source labels change with the catalogue, so the index keeps them.
        self.labels = index.labels
        self.index = index
        self._geography = None
        self.browse = browse = BrowseQuery.parse(
            request.GET, self.labels, lambda text: self.geography.find_origin(text)
        )
        if browse.format == "geojson":
            self.select(index)
            return HttpResponse(
                geojson_text(self.results.ids(), self.geography),
                content_type="application/geo+json",
            )
        if browse.format in ("csv", "figures.csv"):
            self.select(index)
            return exports.csv_response(
                request,
                self.results,
                browse,
                index.version,
                exports.csv_row_limit(request),
                labels=self.labels,
                table="figures" if browse.format == "figures.csv" else "cases",
            )
        if browse.format in citations.FORMATS:
            self.select(index)
            return selection_citations(request, self.results, browse.format)
        if request.user.is_authenticated:
            # Staff may see what visitors do not (every CSV row): never shared, never stored.
            return self.push_canonical(
                mark_private(self.render_page(index, request, *args, **kwargs))
            )
        if not browse.canonical:
            # Set-aside values make notices; such URLs are not worth a cache entry each.
            return self.render_page(index, request, *args, **kwargs)
        shared = SharedResponse(
            request,
            "browse",
            version,
            browse.format or ("fragment" if self.is_fragment() else "page"),
            browse.querydict().urlencode(),
            browse.page_raw,
        )
        response = shared.cached()
        if response is None:
            response = shared.store(self.render_page(index, request, *args, **kwargs))
        return self.push_canonical(self.vary(response))

    def push_canonical(self, response):
        """After an htmx change, put the canonical address in the history, not the form's
        fields as sent (empty boxes, the default sort): the address bar then reads like a link
        someone would share, and equals the page's <link rel="canonical">."""
        browse = self.browse
        if self.is_fragment() and browse.canonical and browse.page:
            response["HX-Push-Url"] = self.canonical_path(browse.page)
        return response

    def select(self, index):
        browse = self.browse
        mask = near_mask(index, browse)
        self.results, self.counts = index.select(
            browse.selected,
            browse.query,
            browse.sort_key,
            mask,
            # The JSON gives every organisation's count; a page shows only the largest.
            complete=browse.format == "json",
        )

    def render_page(self, index, request, *args, **kwargs):
        self.select(index)
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
        facets = build_facets(
            FacetCounts(self.counts),
            browse.selected,
            self.labels,
            complete=browse.format == "json",
        )
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
        selection = browse.description(self.labels)
        context.update(
            layout=self.layout(),
            browse=browse,
            selection=selection,
            **self.open_graph(selection, page.paginator.count),
            canonical_url=self.canonical_url(page.number),
            feed_url=feeds.selection_url("cases:feed", browse),
            feed_title=feeds.feed_title(selection),
            citation_notice=citations.omitted_notice(page.paginator.count),
            query=browse.query,
            sort=browse.sort_key,
            sorts=SORTS,
            facets=facets,
            active_filters=active_filters(browse, facets),
            notices=browse.notices(page.number),
            csv_notice=csv_notice,
            csv_row_limit=csv_limit,
            total=page.paginator.count,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            canonical_query=browse.querydict(),
            **self.nothing_found(page.paginator.count),
            view=browse.view,
            list_query=browse.querydict_for_view("list"),
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

    def nothing_found(self, total):
        """When nothing matches: the same words without the filters, and close names."""
        browse = self.browse
        if total or not browse.query or browse.format:
            return {}
        index = current_index()
        unfiltered = index.search_mask(browse.query)[0].bit_count()
        filtered = any(browse.selected.values())
        return {
            "without_filters": urlencode({"q": browse.query}) if filtered and unfiltered else "",
            "without_filters_count": unfiltered,
            "suggestions": [
                {"name": name, "query": urlencode({"q": name})}
                for name in close_matches(browse.query, index.titles)
            ],
        }

    @staticmethod
    def open_graph(selection, count):
        """How a shared link to this selection unfurls: what it chose and how many it found."""
        if not selection:
            return {
                "og_title": _("事例を探す - 国土事例カタログ"),
                "og_description": metadata.SITE_DESCRIPTION,
            }
        return {
            "og_title": _("%(selection)s の事例 - 国土事例カタログ") % {"selection": selection},
            "og_description": _("「%(selection)s」に当てはまる事例：%(count)s件。")
            % {"selection": selection, "count": f"{count:,}"}
            + metadata.SITE_DESCRIPTION,
        }

    def canonical_path(self, page_number):
        """This page's path and query in canonical order: no page 1, no format."""
        params = self.browse.querydict()
        if page_number > 1:
            params["page"] = page_number
        query = params.urlencode()
        return reverse("cases:case_list") + (f"?{query}" if query else "")

    def canonical_url(self, page_number):
        return self.request.build_absolute_uri(self.canonical_path(page_number))

    def is_fragment(self):
        # htmx asks again with HX-History-Restore-Request when Back misses its history cache;
        # it then swaps in the whole body, so it needs the whole page, not the fragment.
        htmx = self.request.htmx
        return bool(htmx and not htmx.history_restore_request)

    def get_template_names(self):
        return ["cases/case_list.html"]

    def layout(self):
        """The page, or for htmx the fragment it swaps in with the page's head, which htmx's
        head-support extension merges so that canonical, Open Graph and feed follow the URL."""
        return "htmx_fragment.html" if self.is_fragment() else "base.html"

    @staticmethod
    def vary(response):
        # A proxy keeps the page and its fragment apart by these two request headers.
        patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
        return response

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
        return self.vary(super().render_to_response(context, **response_kwargs))
