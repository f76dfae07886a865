from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("compare/", views.CaseCompareView.as_view(), name="compare"),
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
    path(
        "organizations/<str:slug>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
]
