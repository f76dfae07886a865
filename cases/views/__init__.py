"""The public pages, one module per page."""

from .browse import CaseListView
from .common_factors import CommonFactorListView
from .compare import CaseCompareView
from .detail import CaseDetailView
from .home import HomeView
from .organization import (
    OrganizationAutocompleteView,
    OrganizationDetailView,
    OrganizationListView,
)
from .overview import CaseOverviewView
from .pages import CaseCitationView, TermsView, catalog_jsonld, robots_txt
from .places import (
    MunicipalityAutocompleteView,
    PlaceDetailView,
    PlaceGeoJSONView,
    PlaceListView,
)
from .preview import CasePreviewView

__all__ = [
    "CaseCitationView",
    "CaseCompareView",
    "CaseDetailView",
    "CaseListView",
    "CaseOverviewView",
    "CasePreviewView",
    "CommonFactorListView",
    "HomeView",
    "MunicipalityAutocompleteView",
    "OrganizationAutocompleteView",
    "OrganizationDetailView",
    "OrganizationListView",
    "PlaceDetailView",
    "PlaceGeoJSONView",
    "PlaceListView",
    "TermsView",
    "catalog_jsonld",
    "robots_txt",
]
