from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse, QueryDict
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from ..browse import clean_query, quoted_values
from ..facets.index import current_index
from ..models import Actor, Case, Organization
from ..text import normalize, strip_control_characters

AUTOCOMPLETE_LIMIT = 20
AUTOCOMPLETE_MAX_LENGTH = 100
# The browse facet whose options are the organisations (cases.facets.definitions).
FACET = "organization"


class OrganizationDetailView(DetailView):
    # An organisation that only drafts name has no public page: drafts are unpublished work.
    queryset = Organization.objects.public()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = (
            Actor.objects.filter(organization=self.object, case__status=Case.Status.PUBLISHED)
            .select_related("case", "source", "section")
            .order_by("case__title", "position")
        )
        context["funded"] = (
            self.object.funding_provided.filter(case__status=Case.Status.PUBLISHED)
            .select_related("case", "source", "section")
            .order_by("case__title")
        )
        return context


def published_case_count():
    """The number of published cases that name the organisation, as actor or as funder."""
    cases = (
        Case.objects.published()
        .filter(Q(actors__organization=OuterRef("pk")) | Q(funding__provider=OuterRef("pk")))
        .order_by()
        .values("status")  # one group: every row is published
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(cases), 0)


class OrganizationListView(ListView):
    """Every organisation a published case names, searchable by name and other spellings."""

    template_name = "cases/organization_list.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.query, self.query_truncated = clean_query(request.GET.get("q"))
        kind = request.GET.get("kind") or ""
        self.kind = kind if kind in Organization.Kind.values else ""
        self.ignored_kind = "" if kind in Organization.Kind.values else kind
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        organizations = Organization.objects.public()
        if self.kind:
            organizations = organizations.filter(kind=self.kind)
        if self.query:
            organizations = organizations.filter(pk__in=self.matching_ids(organizations))
        return organizations.annotate(case_count=published_case_count()).order_by("name")

    def matching_ids(self, organizations):
        """Match the words in the name and every alias, each folded as search folds them (NFKC).

        Aliases are a JSON list, which no database lookup folds; the names are few and short,
        so they are read and matched here.
        """
        words = self.query.split()
        return [
            pk
            for pk, name, aliases in organizations.values_list("pk", "name", "aliases")
            if all(word in normalize(" ".join([name, *aliases])) for word in words)
        ]

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notices = []
        if self.ignored_kind:
            notices.append(
                _("種別 %(value)s はないため、すべての種別を表示しています。")
                % {"value": quoted_values([self.ignored_kind])}
            )
        if self.query_truncated:
            notices.append(_("キーワードが長すぎるため、先頭の部分で検索しました。"))
        page = context["page_obj"]
        canonical = QueryDict(mutable=True)
        for param, value in (("q", self.query), ("kind", self.kind)):
            if value:
                canonical[param] = value
        context.update(
            query=self.query,
            kind=self.kind,
            kinds=Organization.Kind.choices,
            notices=notices,
            total=page.paginator.count,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            canonical_query=canonical,
        )
        return context


class OrganizationAutocompleteView(View):
    """JSON for the 関係主体 facet's text box: ?q= matches names and other spellings (NFKC,
    width and case folded, as the organisation index searches), those beginning with it first,
    then by their number of published cases (the facet index's count)."""

    def get(self, request):
        raw = strip_control_characters(request.GET.get("q", ""))[:AUTOCOMPLETE_MAX_LENGTH]
        query = normalize(raw).strip()
        if not query:
            return JsonResponse(
                {"results": [], "message": "組織名を入力してください。"},
                json_dumps_params={"ensure_ascii": False},
            )
        index = current_index()
        offered = dict(index.labels.get(FACET, []))  # slug -> name: organisations with a case
        ranked = []
        rows = Organization.objects.values_list("slug", "name", "aliases", "kind")
        for slug, name, aliases, kind in rows:
            if slug not in offered:  # named by drafts alone: no page, no option
                continue
            spellings = [normalize(spelling) for spelling in [name, *aliases]]
            if not any(query in spelling for spelling in spellings):
                continue
            prefixed = any(spelling.startswith(query) for spelling in spellings)
            count = index.count(FACET, slug)
            ranked.append(((not prefixed, -count, name), slug, name, kind, count))
        ranked.sort()
        kinds = dict(Organization.Kind.choices)
        results = [
            {
                "slug": slug,
                "name": name,
                "label": name,
                "kind": kind,
                "count": count,
                "detail": f"{kinds.get(kind, '')}・{count}件",
            }
            for _key, slug, name, kind, count in ranked[:AUTOCOMPLETE_LIMIT]
        ]
        return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
