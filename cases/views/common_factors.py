"""/common-factors/: the 共通項 the 2025 report draws from its cases (4.(3))."""

from django.db.models import Prefetch
from django.views.generic import ListView

from ..models import Case, CommonFactor


class CommonFactorListView(ListView):
    template_name = "cases/common_factor_list.html"
    context_object_name = "factors"
    # Drafts never show, not even as a link.
    queryset = CommonFactor.objects.select_related("source").prefetch_related(
        Prefetch(
            "cases", queryset=Case.objects.published().only("slug", "title", "reference_label")
        )
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The report draws every factor from the same cases: list a group of cases once, with
        # the factors drawn from it, rather than the same list under each factor.
        groups = {}
        for factor in context["factors"]:
            cases = tuple(factor.cases.all())
            key = (factor.basis, tuple(case.pk for case in cases))
            group = groups.setdefault(key, {"basis": factor.basis, "cases": cases, "factors": []})
            group["factors"].append(factor)
        context["groups"] = list(groups.values())
        return context
