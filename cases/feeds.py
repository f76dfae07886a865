"""Atom feeds of published cases, newest first by the date readers last saw them change.

/cases/feed/ takes the browse page's parameters, so staff can subscribe to a selection
(「地域交通 × 中部」): the facet index that answers the browse page gives the selection's cases in
the feed's order, and only the entries shown are read from the database, so a feed costs no more
than the browse page at any catalogue size.
"""

import re
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .browse import BrowseQuery
from .citations import SITE_NAME
from .facets.index import NEWEST_FIRST, current_index
from .models import Case

# What XML 1.0 cannot hold at all, not even escaped (U+FFFE, U+FFFF, lone surrogates): a search
# for one is answered, but its words in the feed's title would make the document unreadable.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text):
    return NOT_XML.sub("", text)


def feed_query(browse):
    """The feed's query string: the selection in canonical order; its order is always its own."""
    params = browse.querydict()
    params.pop("sort", None)
    return params.urlencode()


def selection_url(view_name, browse):
    """The feed ("cases:feed") or browse page ("cases:case_list") of a selection, as the feed's
    query string gives it."""
    query = feed_query(browse)
    return reverse(view_name) + (f"?{query}" if query else "")


def feed_title(description):
    """The feed's title: the selection in words, or the whole catalogue's feed."""
    if description:
        return f"{SITE_NAME}：{description}"
    return f"{SITE_NAME}：{_('新着・更新された事例')}"


@dataclass(frozen=True)
class Selection:
    browse: BrowseQuery
    description: str
    index: object  # cases.facets.index.FacetIndex


class CaseFeed(Feed):
    feed_type = Atom1Feed
    language = "ja"
    author_name = SITE_NAME
    # A feed reader wants what is new, not the whole selection.
    limit = 50

    def get_object(self, request, *args, **kwargs):
        index = current_index()
        # Lenient like the browse page: unknown values are set aside (the subtitle says so).
        browse = BrowseQuery.parse(request.GET, index.labels)
        return Selection(browse, browse.description(index.labels), index)

    def title(self, selection):
        return xml_text(feed_title(selection.description))

    def subtitle(self, selection):
        what = (
            _("「%(selection)s」に当てはまる事例のうち、") % {"selection": selection.description}
            if selection.description
            else ""
        )
        return xml_text(
            " ".join(
                [
                    what + _("公開された事例と、ページの内容が変わった事例（新しい順）"),
                    *selection.browse.selection_notices(),
                ]
            )
        )

    def link(self, selection):
        # The browse page of the same selection; also the feed's <id>, one per selection.
        return selection_url("cases:case_list", selection.browse)

    def feed_url(self, selection):
        return selection_url("cases:feed", selection.browse)

    def items(self, selection):
        browse = selection.browse
        results, _counts = selection.index.select(
            browse.selected, browse.query, NEWEST_FIRST, with_counts=False
        )
        ids = results.ids(0, self.limit)
        found = (
            Case.objects.published()
            .filter(pk__in=ids, content_changed_at__isnull=False)
            .only("slug", "title", "summary", "content_changed_at")
            .in_bulk()
        )
        return [found[case_id] for case_id in ids if case_id in found]

    def item_title(self, item):
        return xml_text(item.title)

    def item_description(self, item):
        return xml_text(item.summary)

    def item_link(self, item):
        return item.get_absolute_url()

    # No item_guid: each entry's <id> is then the page's absolute URL, stable as long as the
    # case's slug is, and the same in every selection's feed.

    def item_updateddate(self, item):
        return item.content_changed_at
