"""Template tags for the geographic includes: the prefecture map and the 「近くの事例」 blocks."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from cases.choropleth import render_choropleth
from cases.geo import prefecture_counts

register = template.Library()


def browse_url(query=""):
    """A URL builder for the map: the browse page with the prefecture added to query."""
    base = reverse("cases:case_list")

    def url_for(code):
        extra = urlencode([("pref", code)])
        return f"{base}?{query}&{extra}" if query else f"{base}?{extra}"

    return url_for


@register.simple_tag
def prefecture_map(query="", caption="都道府県別の事例数", highlight=None):
    """The choropleth of every published case, each prefecture linking to the browse page.

    query: the current selection's query string, to which a prefecture is added.
    """
    # render_to_string returns safe HTML: the template escapes every value it prints.
    return render_choropleth(
        prefecture_counts(), browse_url(query), caption=caption, highlight=highlight
    )
