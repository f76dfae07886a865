"""The 一覧 | 地図 | 集計 switch of a selection, for the browse page and the overview alike."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

register = template.Library()

# (view, label, page, the browse page's `view` parameter). List and map are one page, /cases/,
# whose views htmx swaps in place; the overview is a page of its own.
VIEWS = (
    ("list", gettext_lazy("一覧"), "cases:case_list", "list"),
    ("map", gettext_lazy("地図"), "cases:case_list", "map"),
    ("overview", gettext_lazy("集計"), "cases:case_overview", "list"),
)


@register.inclusion_tag("cases/_view_switch.html")
def view_switch(browse, current):
    """Each view's link with the selection's canonical query (every filter, the search, the
    distance and the sort); `current` is "list", "map" or "overview"."""
    links = []
    for view, label, page, view_param in VIEWS:
        query = browse.querydict_for_view(view_param).urlencode()
        links.append(
            {
                "view": view,
                "label": label,
                "url": reverse(page) + (f"?{query}" if query else ""),
                "current": view == current,
                "other_page": page != "cases:case_list",
            }
        )
    return {"links": links, "on_browse_page": current != "overview"}
