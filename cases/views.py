from django.views.generic import DetailView, ListView, TemplateView

from .models import Case, Organization


class HomeView(TemplateView):
    template_name = "cases/home.html"


class CaseListView(ListView):
    model = Case


class CaseDetailView(DetailView):
    model = Case


class OrganizationDetailView(DetailView):
    model = Organization
