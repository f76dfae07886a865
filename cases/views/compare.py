from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ..browse import clean_query, quoted_values
from ..facets.index import current_index
from ..models import Case, KeyFigure
from ..text import strip_control_characters


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
        query, _truncated = clean_query(self.request.GET.get("q"))
        context.update(
            cases=cases,
            canonical_url=self.canonical_url(cases),
            notices=notices,
            query=query,
            candidates=self.candidates(query, cases) if query else [],
            can_add=len(cases) < self.max_cases,
        )
        return context

    def canonical_url(self, cases):
        """The comparison's address: the cases shown, by slug, whatever order they were asked in.

        The same cases side by side are one page; the search (q) only offers more to add.
        """
        query = urlencode([("case", slug) for slug in sorted(case.slug for case in cases)])
        path = reverse("cases:compare") + (f"?{query}" if query else "")
        return self.request.build_absolute_uri(path)

    def candidates(self, query, cases):
        """Search results that can still be added, in relevance order, from the facet index."""
        index = current_index()
        compared = {case.pk for case in cases}
        current = [("case", case.slug) for case in cases]
        found = []
        # The browse page's relevance order, so both list the same cases the same way.
        results, _counts = index.select({}, query, "relevance", with_counts=False)
        for position in results.positions():
            if index.ids[position] in compared:
                continue
            slug = index.slugs[position]
            found.append(
                {"title": index.titles[position], "add": urlencode([*current, ("case", slug)])}
            )
            if len(found) == self.max_candidates:
                break
        return found
