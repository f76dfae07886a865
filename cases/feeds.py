"""The Atom feed of published cases, newest first by the date readers last saw them change."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .citations import SITE_NAME
from .models import Case


class CaseFeed(Feed):
    feed_type = Atom1Feed
    title = f"{SITE_NAME}：新着・更新された事例"
    subtitle = "公開された事例と、ページの内容が変わった事例（新しい順）"
    language = "ja"
    author_name = SITE_NAME
    # A feed reader wants what is new, not the whole catalogue; the index on
    # content_changed_at makes this a short index scan at any catalogue size.
    limit = 50

    def link(self):
        return reverse("cases:case_list")

    def feed_url(self):
        return reverse("cases:feed")

    def cases(self):
        """The cases the feed lists; phase 2 narrows this to a browse selection."""
        return Case.objects.published()

    def items(self):
        return (
            self.cases()
            .filter(content_changed_at__isnull=False)
            .order_by("-content_changed_at", "-pk")
            .only("slug", "title", "summary", "content_changed_at")[: self.limit]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    # No item_guid: each entry's <id> is then the page's absolute URL, stable as long as the
    # case's slug is.

    def item_updateddate(self, item):
        return item.content_changed_at
