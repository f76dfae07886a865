from django.urls import path

from . import feeds, pages, views

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    # Before the case pages: "feed" would otherwise be read as a case's slug.
    path("cases/feed/", feeds.CaseFeed(), name="feed"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path(
        "cases/<slug:slug>/cite.<str:extension>",
        pages.CaseCitationView.as_view(),
        name="case_citation",
    ),
    path("compare/", views.CaseCompareView.as_view(), name="compare"),
    path(
        "organizations/<str:slug>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
    path("terms/", pages.TermsView.as_view(), name="terms"),
    path("catalog.jsonld", pages.catalog_jsonld, name="catalog"),
]
