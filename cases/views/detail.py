from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from .. import exports
from ..differences import case_differences
from ..facets.index import current_index
from ..geo import current_geography, nearby_context
from ..http_cache import SharedResponse, mark_private
from ..models import (
    DETAIL_RELATIONS,
    OUTLINE_RELATIONS,
    Actor,
    Case,
    CatalogueVersion,
    case_outline,
    detail_prefetch,
)
from ..related import related_cases


class CaseDetailView(DetailView):
    # Built once: cloning it per request is cheaper than building its nine subqueries anew.
    queryset = Case.objects.published().with_row_flags().select_related("reference_of")
    # The page shows nothing but catalogue content, and every change to that content gives the
    # catalogue a new version (CatalogueVersion), so a page cached under a version never goes
    # stale (cases.http_cache).

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
        if request.user.is_authenticated:
            return mark_private(super().get(request, *args, **kwargs))
        shared = SharedResponse(request, "case", self.catalogue_version, slug)
        return shared.cached() or shared.store(super().get(request, *args, **kwargs))

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        # Only relations that have rows cost a query.
        lookups = ["themes"] + [
            detail_prefetch(name)
            for name in DETAIL_RELATIONS
            if getattr(case, f"has_{name}") and name not in OUTLINE_RELATIONS
        ]
        if case.has_reference_cases:
            lookups.append(
                Prefetch(
                    "reference_cases",
                    queryset=Case.objects.published().order_by("reference_label"),
                    to_attr="published_reference_cases",
                )
            )
        prefetch_related_objects([case], *lookups)
        if any(getattr(case, f"has_{name}") for name in OUTLINE_RELATIONS):
            case.outline = case_outline(case)
        else:
            case.outline = {name: [] for name in OUTLINE_RELATIONS}
        return case

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        index = current_index(self.catalogue_version)
        context["similar_cases"] = related_cases(case, index)
        context["common_factors"] = index.options_of("factor", case.pk)
        # The geography is kept in memory per catalogue version: no query once it is built.
        context["nearby"] = nearby_context(
            case, geography=current_geography(self.catalogue_version)
        )
        context["sources"] = self.sources_with_statements(case)
        context["places"] = self.places_with_figures(case)
        actors = list(case.actors.all()) if case.has_actors else []
        context["actor_count"] = len(actors)
        context["actor_groups"] = self.actors_by_role(actors)
        context["differences"] = case_differences(case)
        return context

    # A role group with more rows than this starts folded.
    actor_group_open_limit = 8

    @classmethod
    def actors_by_role(cls, actors):
        """The actors grouped by role, in the order of Actor.Role, each group in its own order."""
        groups = []
        for role, label in Actor.Role.choices:
            members = [actor for actor in actors if actor.role == role]
            if members:
                groups.append(
                    {
                        "label": label,
                        "actors": members,
                        "folded": len(members) > cls.actor_group_open_limit,
                    }
                )
        return groups

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
