import csv
import io
from collections import defaultdict

from django.core.cache import cache
from django.core.paginator import EmptyPage, InvalidPage, Paginator
from django.db.models import Value, prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from . import catalogue
from .facet_index import current_index, title_matches_first
from .facets import FACETS, FACETS_BY_PARAM, FacetCounts, build_facets
from .filters import MAX_QUERY_LENGTH, CaseFilterSet, QueryField
from .models import (
    DETAIL_RELATIONS,
    OUTLINE_RELATIONS,
    Actor,
    Case,
    CatalogueVersion,
    KeyFigure,
    Organization,
    SourceDocument,
    case_outline,
    detail_prefetch,
)
from .text import strip_control_characters

PAGE_SIZE = 20


def quoted_values(values):
    """Show the first few values a visitor sent, shortened, for a notice that sets them aside."""
    return "、".join(strip_control_characters(value)[:30] for value in values[:5])


class HomeView(TemplateView):
    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        index = current_index()
        labels = index.labels

        def entries(param):
            return [
                {"value": value, "label": label, "count": index.count(param, value)}
                for value, label in FACETS_BY_PARAM[param].options(labels)
                if index.count(param, value)
            ]

        context.update(
            case_count=len(index.ids),
            types=entries("type"),
            themes=entries("theme"),
            regions=entries("region"),
            sources=[
                {"source": source, "count": index.count("source", source.key)}
                for source in SourceDocument.objects.order_by("year", "key")
            ],
        )
        return context


class ClampedPaginator(Paginator):
    """Serve the nearest real page for a page number that is past the end or not a number."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            return self.num_pages if int(number) > 1 else 1
        except InvalidPage:
            return 1


class CaseListView(ListView):
    model = Case
    paginate_by = PAGE_SIZE
    paginator_class = ClampedPaginator

    def get(self, request, *args, **kwargs):
        index = current_index()
        # Theme, prefecture and source labels change with the catalogue, so the index keeps them.
        self.labels = index.labels
        self.filterset = fs = CaseFilterSet(
            request.GET, queryset=Case.objects.published(), labels=self.labels, request=request
        )
        self.results, self.counts = index.select(fs.selected_facets(), fs.query, fs.sort_key)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        """The matching cases, in display order, from the in-memory facet index.

        tests/cases/sql_reference.py states the same selection in SQL; the tests hold the two equal.
        """
        return self.results

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        raw = self.request.GET.get("page") or "1"
        self.page_notice = ""
        try:
            requested = int(raw)
        except ValueError:
            requested = None
        page = paginator.page(paginator.validate_number(raw))
        if requested is None:
            self.page_notice = _("ページ番号が数字ではないため、最初のページを表示しています。")
        elif requested != page.number:
            self.page_notice = _(
                "%(requested)s ページはないため、%(page)d ページを表示しています。"
            ) % {
                "requested": raw[:12],
                "page": page.number,
            }
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fs = self.filterset
        selected = fs.selected_facets()
        facets = build_facets(FacetCounts(self.counts), selected, self.labels)
        context.update(
            filterset=fs,
            query=fs.query,
            sort=fs.sort_key,
            sorts=CaseFilterSet.SORTS,
            facets=facets,
            active_filters=self.active_filters(facets),
            notices=self.notices(),
            total=context["paginator"].count,
            querystring_without_page=self.querystring(exclude={"page"}),
        )
        return context

    def notices(self):
        notices = []
        fs = self.filterset
        for param, values in fs.ignored_values().items():
            notices.append(
                _("「%(facet)s」に %(values)s という値はないため、無視しました。")
                % {"facet": FACETS_BY_PARAM[param].label, "values": quoted_values(values)}
            )
        if fs.query_truncated:
            notices.append(
                _("キーワードが長すぎるため、先頭の%(n)d文字で検索しました。")
                % {"n": MAX_QUERY_LENGTH}
            )
        if self.page_notice:
            notices.append(self.page_notice)
        return notices

    def querystring(self, exclude=(), remove=None):
        """Rebuild the canonical query string, optionally without one facet value."""
        fs = self.filterset
        params = []
        for facet in FACETS:
            for value in fs.selected_facets()[facet.param]:
                if remove != (facet.param, value):
                    params.append((facet.param, value))
        if fs.query and "q" not in exclude and remove != ("q", fs.query):
            params.append(("q", fs.query))
        if fs.cleaned.get("sort") and "sort" not in exclude:
            params.append(("sort", fs.cleaned["sort"]))
        return urlencode(params)

    def active_filters(self, facets):
        active = []
        for facet in facets:
            for option in facet["options"]:
                if option["selected"]:
                    active.append(
                        {
                            "facet": facet["label"],
                            "label": option["label"],
                            "remove": self.querystring(
                                exclude={"page"}, remove=(facet["param"], option["value"])
                            ),
                        }
                    )
        if self.filterset.query:
            active.append(
                {
                    "facet": _("キーワード"),
                    "label": self.filterset.query,
                    "remove": self.querystring(
                        exclude={"page"}, remove=("q", self.filterset.query)
                    ),
                }
            )
        return active

    def get_template_names(self):
        if self.request.htmx:
            return ["cases/_browse.html"]
        return ["cases/case_list.html"]

    def render_to_response(self, context, **response_kwargs):
        response_format = self.request.GET.get("format")
        if response_format == "json":
            return JsonResponse(self.as_json(context), json_dumps_params={"ensure_ascii": False})
        if response_format == "csv":
            return self.as_csv()
        response = super().render_to_response(context, **response_kwargs)
        response["Vary"] = "HX-Request"
        return response

    def case_summary(self, case):
        return {
            "slug": case.slug,
            "title": case.title,
            "url": self.request.build_absolute_uri(case.get_absolute_url()),
            "type": case.type_2025,
            "type_label": case.get_type_2025_display(),
            "themes": [theme.short_name or theme.name for theme in case.themes.all()],
            "places": [place.name for place in case.places.all()],
            "summary": case.summary,
        }

    def as_json(self, context):
        page = context["page_obj"]
        return {
            "count": context["total"],
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "results": [self.case_summary(case) for case in page.object_list],
            "facets": {
                facet["param"]: [
                    {
                        "value": option["value"],
                        "label": option["label"],
                        "count": option["count"],
                        "selected": option["selected"],
                    }
                    for option in facet["options"]
                ]
                for facet in context["facets"]
            },
            "notices": context["notices"],
        }

    @staticmethod
    def cases_in_batches(ids, size=500):
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            cases = (
                Case.objects.filter(pk__in=batch)
                .for_listing()
                .prefetch_related("citations__source")
                .in_bulk()
            )
            yield from (cases[case_id] for case_id in batch)

    def as_csv(self):
        ids = self.results.ids()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "スラッグ",
                "事例名",
                "URL",
                "類型（2025年）",
                "拠点の類型（2019年）",
                "テーマ",
                "場所",
                "人口（記載値の最大）",
                "要約",
                "出典",
            ]
        )
        for case in self.cases_in_batches(ids):
            writer.writerow(
                [
                    case.slug,
                    case.title,
                    self.request.build_absolute_uri(case.get_absolute_url()),
                    case.get_type_2025_display(),
                    case.get_hub_type_2019_display(),
                    "、".join(theme.name for theme in case.themes.all()),
                    "、".join(place.name for place in case.places.all()),
                    case.population or "",
                    case.summary,
                    " / ".join(citation.citation_line() for citation in case.citations.all()),
                ]
            )
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="kokudo-cases.csv"'
        return response


class CaseDetailView(DetailView):
    # Built once: cloning it per request is cheaper than building its nine subqueries anew.
    queryset = Case.objects.published().with_row_flags()
    # The page shows nothing but catalogue content, and every change to that content gives the
    # catalogue a new version (CatalogueVersion), so a page cached under a version never goes
    # stale; entries of past versions simply expire.
    cache_timeout = 60 * 60 * 24

    def get(self, request, *args, **kwargs):
        if len(kwargs["slug"]) > Case._meta.get_field("slug").max_length:
            raise Http404  # no such case, and too long a key for any cache
        self.catalogue_version = CatalogueVersion.current()
        if request.GET.get("format") == "json":
            return super().get(request, *args, **kwargs)
        key = f"case-detail:{self.catalogue_version}:{kwargs['slug']}"
        content = cache.get(key)
        if content is None:
            response = super().get(request, *args, **kwargs).render()
            cache.set(key, response.content, self.cache_timeout)
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
        context["similar_cases"] = self.similar_cases(case)
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

    def similar_cases(self, case, limit=8):
        """Cases linked by hand first, then those sharing organisations, then themes."""
        index = current_index(self.catalogue_version)
        organization_ids = {actor.organization_id for actor in case.actors.all()}
        theme_keys = [theme.key for theme in case.themes.all()]
        # One query for both: explicit links (organisation -1) and shared organisations.
        linked = (
            Case.related.through.objects.filter(to_case=case)
            .order_by()
            .values_list("from_case_id", Value(-1))
            .union(
                Actor.objects.filter(organization_id__in=organization_ids)
                .exclude(case=case)
                .order_by()
                .values_list("case_id", "organization_id"),
                all=True,
            )
        )
        explicit, organizations = set(), defaultdict(set)
        for case_id, organization_id in linked:
            if organization_id == -1:
                explicit.add(case_id)
            else:
                organizations[case_id].add(organization_id)
        candidates = explicit | set(organizations)
        candidates.update(
            case_id for case_id, _ in index.sharing("theme", theme_keys, 2, case.pk, limit)
        )
        position = index.position
        published = {case_id: position[case_id] for case_id in candidates if case_id in position}
        themes_shared = index.shared_counts("theme", theme_keys, published.values())
        ranked = []
        for case_id, at in published.items():
            shared_themes = themes_shared[at]
            if case_id not in explicit and not organizations[case_id] and shared_themes < 2:
                continue
            ranked.append(
                (
                    case_id not in explicit,
                    -len(organizations[case_id]),
                    -shared_themes,
                    at,
                )
            )
        similar = []
        for not_explicit, organizations_shared, themes_shared, at in sorted(ranked)[:limit]:
            similar.append(
                {
                    "url": reverse("cases:case_detail", args=[index.slugs[at]]),
                    "title": index.titles[at],
                    "explicit": not not_explicit,
                    "shared_organizations": -organizations_shared,
                    "shared_themes": -themes_shared,
                }
            )
        return similar

    def sources_with_statements(self, case):
        """Group the case's rows by document, so each document's account can be read on its own."""
        by_source = {}
        for citation in case.citations.all():
            by_source.setdefault(citation.source_id, {"source": citation.source, "citations": []})
            by_source[citation.source_id]["citations"].append(citation)
        return sorted(
            by_source.values(), key=lambda item: (item["source"].year, item["source"].key)
        )

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "json":
            record = catalogue.case_record(self.object)
            record["url"] = self.request.build_absolute_uri(self.object.get_absolute_url())
            return JsonResponse(record, json_dumps_params={"ensure_ascii": False})
        return super().render_to_response(context, **response_kwargs)


class CaseCompareView(TemplateView):
    """Set two to four cases side by side; cases are added by search and removed by link."""

    template_name = "cases/case_compare.html"
    max_cases = 4
    max_candidates = 10
    # More slugs than this in one request are not looked at: nobody types them, and each costs.
    max_requested = 20

    def requested_slugs(self):
        longest = Case._meta.get_field("slug").max_length
        slugs = (
            strip_control_characters(slug)[:longest] for slug in self.request.GET.getlist("case")
        )
        return list(dict.fromkeys(slug for slug in slugs if slug))[: self.max_requested]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requested = self.requested_slugs()
        found = (
            Case.objects.published()
            .filter(slug__in=requested)
            .for_comparison()
            .in_bulk(field_name="slug")
        )
        available = [found[slug] for slug in requested if slug in found]
        cases = available[: self.max_cases]
        for case in cases:
            case.scale_figures = [f for f in case.figures.all() if f.kind != KeyFigure.Kind.OTHER]
            case.other_figures = [f for f in case.figures.all() if f.kind == KeyFigure.Kind.OTHER]
            case.remove_query = urlencode([("case", c.slug) for c in cases if c is not case])
        notices = []
        missing = [slug for slug in requested if slug not in found]
        if missing:
            notices.append(
                _("「%(slugs)s」という公開中の事例はないため、除きました。")
                % {"slugs": quoted_values(missing)}
            )
        if len(available) > self.max_cases:
            notices.append(
                _("比較できるのは%(n)d件までです。先頭の%(n)d件を表示しています。")
                % {"n": self.max_cases}
            )
        query = QueryField().clean(self.request.GET.get("q"))
        context.update(
            cases=cases,
            notices=notices,
            query=query,
            candidates=self.candidates(query, cases) if query else [],
            can_add=len(cases) < self.max_cases,
        )
        return context

    def candidates(self, query, cases):
        """Search results that can still be added, in relevance order, from the facet index."""
        index = current_index()
        compared = {case.pk for case in cases}
        current = [("case", case.slug) for case in cases]
        found = []
        for position in title_matches_first(*index.search_mask(query)):
            if index.ids[position] in compared:
                continue
            slug = index.slugs[position]
            found.append(
                {"title": index.titles[position], "add": urlencode([*current, ("case", slug)])}
            )
            if len(found) == self.max_candidates:
                break
        return found


class OrganizationDetailView(DetailView):
    model = Organization

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = (
            Actor.objects.filter(organization=self.object, case__status=Case.Status.PUBLISHED)
            .select_related("case", "source")
            .order_by("case__title", "position")
        )
        context["funded"] = (
            self.object.funding_provided.filter(case__status=Case.Status.PUBLISHED)
            .select_related("case", "source")
            .order_by("case__title")
        )
        return context
