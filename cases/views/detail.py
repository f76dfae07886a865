from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from .. import exports
from ..cache import cache_get, cache_set
from ..facets.index import current_index
from ..geo import current_geography, nearby_context
from ..models import (
    DETAIL_RELATIONS,
    OUTLINE_RELATIONS,
    Case,
    CatalogueVersion,
    case_outline,
    detail_prefetch,
)
from ..related import related_cases


class CaseDetailView(DetailView):
    # Built once: cloning it per request is cheaper than building its nine subqueries anew.
    queryset = Case.objects.published().with_row_flags()
    # The page shows nothing but catalogue content, and every change to that content gives the
    # catalogue a new version (CatalogueVersion), so a page cached under a version never goes
    # stale; entries of past versions simply expire.
    cache_timeout = 60 * 60 * 24

    def get(self, request, *args, **kwargs):
        slug = kwargs["slug"]
        if len(slug) > Case._meta.get_field("slug").max_length:
            raise Http404  # no such case, and too long a key for any cache
        self.catalogue_version = CatalogueVersion.current()
        if request.GET.get("format") == "json":
            case = get_object_or_404(exports.detail_queryset(), slug=slug)
            return JsonResponse(
                exports.case_document(case, request), json_dumps_params={"ensure_ascii": False}
            )
        key = f"case-detail:{self.catalogue_version}:{slug}"
        content = cache_get(key)
        if content is None:
            response = super().get(request, *args, **kwargs).render()
            cache_set(key, response.content, self.cache_timeout)
            return response
        return HttpResponse(content)

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        # Only relations that have rows cost a query.
        lookups = ["themes"] + [
            detail_prefetch(name)
            for name in DETAIL_RELATIONS
            if getattr(case, f"has_{name}") and name not in OUTLINE_RELATIONS
        ]
        prefetch_related_objects([case], *lookups)
        if any(getattr(case, f"has_{name}") for name in OUTLINE_RELATIONS):
            case.outline = case_outline(case)
        else:
            case.outline = {name: [] for name in OUTLINE_RELATIONS}
        return case

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        context["similar_cases"] = related_cases(case, current_index(self.catalogue_version))
        # The geography is kept in memory per catalogue version: no query once it is built.
        context["nearby"] = nearby_context(
            case, geography=current_geography(self.catalogue_version)
        )
        context["sources"] = self.sources_with_statements(case)
        context["places"] = self.places_with_figures(case)
        return context

    @staticmethod
    def places_with_figures(case):
        figures = [f for f in case.figures.all() if f.place_id] if case.has_figures else []
        return [
            {"place": place, "figures": [f for f in figures if f.place_id == place.pk]}
            for place in (case.places.all() if case.has_places else [])
        ]

    @staticmethod
    def sources_with_statements(case):
        """Group the case's rows by document, so each document's account can be read on its own."""
        by_source = {}
        for citation in case.citations.all():
            by_source.setdefault(citation.source_id, {"source": citation.source, "citations": []})
            by_source[citation.source_id]["citations"].append(citation)
        return sorted(
            by_source.values(), key=lambda item: (item["source"].year, item["source"].key)
        )
