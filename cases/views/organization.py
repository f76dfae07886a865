from django.views.generic import DetailView

from ..models import Actor, Case, Organization


class OrganizationDetailView(DetailView):
    # An organisation that only drafts name has no public page: drafts are unpublished work.
    queryset = Organization.objects.public()

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
