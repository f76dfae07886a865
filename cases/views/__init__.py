"""The public pages, one module per page."""

from .browse import CaseListView
from .compare import CaseCompareView
from .detail import CaseDetailView
from .home import HomeView
from .organization import OrganizationDetailView, OrganizationListView

__all__ = [
    "CaseCompareView",
    "CaseDetailView",
    "CaseListView",
    "HomeView",
    "OrganizationDetailView",
    "OrganizationListView",
]
