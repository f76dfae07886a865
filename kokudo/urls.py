from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from cases.sitemaps import SITEMAPS
from cases.views.pages import robots_txt

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # An index of sections, each paged by its Sitemap.limit, so any number of cases fits.
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("cases.urls")),
]
