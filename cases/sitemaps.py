from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Case, Organization


class CaseSitemap(Sitemap):
    changefreq = "monthly"
    # The sitemap protocol allows 50,000 URLs a file; Django splits into pages past this.
    limit = 5000

    def items(self):
        return Case.objects.published().order_by("pk").only("slug", "content_changed_at")

    def lastmod(self, case):
        return case.content_changed_at


class OrganizationSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        # Only organisations that a published case names have a page worth indexing.
        return (
            Organization.objects.filter(roles__case__status=Case.Status.PUBLISHED)
            .distinct()
            .order_by("pk")
            .only("slug")
        )


class PageSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["cases:home", "cases:case_list", "cases:terms"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "cases": CaseSitemap, "organizations": OrganizationSitemap}
