from django.urls import path

from . import feeds, views

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    # Before the case pages: "feed" and "overview" would otherwise be read as a case's slug.
    path("cases/feed/", feeds.CaseFeed(), name="feed"),
    path("cases/overview/", views.CaseOverviewView.as_view(), name="case_overview"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<slug:slug>/preview/", views.CasePreviewView.as_view(), name="case_preview"),
    path(
        "cases/<slug:slug>/cite.<str:extension>",
        views.CaseCitationView.as_view(),
        name="case_citation",
    ),
    path("places/", views.PlaceListView.as_view(), name="place_list"),
    path(
        "places/autocomplete/",
        views.MunicipalityAutocompleteView.as_view(),
        name="municipality_autocomplete",
    ),
    path("places/<str:lg_code>/", views.PlaceDetailView.as_view(), name="place_detail"),
    path("places/<str:lg_code>/geojson/", views.PlaceGeoJSONView.as_view(), name="place_geojson"),
    path("compare/", views.CaseCompareView.as_view(), name="compare"),
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
    # Before the organisation pages: "autocomplete" would otherwise be read as a slug.
    path(
        "organizations/autocomplete/",
        views.OrganizationAutocompleteView.as_view(),
        name="organization_autocomplete",
    ),
    path("common-factors/", views.CommonFactorListView.as_view(), name="common_factors"),
    path(
        "organizations/<str:slug>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
    path("terms/", views.TermsView.as_view(), name="terms"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog"),
]
