from django.urls import path

from . import places, views

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("places/", places.PlaceListView.as_view(), name="place_list"),
    path(
        "places/autocomplete/",
        places.MunicipalityAutocompleteView.as_view(),
        name="municipality_autocomplete",
    ),
    path("places/<str:lg_code>/", places.PlaceDetailView.as_view(), name="place_detail"),
    path("places/<str:lg_code>/geojson/", places.PlaceGeoJSONView.as_view(), name="place_geojson"),
    path("compare/", views.CaseCompareView.as_view(), name="compare"),
    path(
        "organizations/<str:slug>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
]
