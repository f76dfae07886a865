"""A case as its public page will show it, whatever its status: for staff, before publishing."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from ..models import Case, CatalogueVersion
from .detail import CaseDetailView


@method_decorator([never_cache, staff_member_required], name="dispatch")
class CasePreviewView(CaseDetailView):
    """The public detail page's own view and template, over every case, never cached.

    The public view asks for published cases only; this one is the single way to see a draft
    or a case awaiting review outside the admin, and says so in a banner.
    """

    queryset = Case.objects.with_row_flags()

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm("cases.view_case"):
            raise PermissionDenied
        self.catalogue_version = CatalogueVersion.current()
        response = super(CaseDetailView, self).get(request, *args, **kwargs)
        # Not for search engines, even if a link escapes.
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "preview": True}
