"""The facets as the browse page and the JSON show them: options with counts and state."""

import heapq
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .definitions import FACETS


@dataclass
class FacetCounts:
    counts: dict = field(default_factory=dict)  # (facet, value) -> count

    def get(self, facet, value):
        return self.counts.get((facet, value), 0)


def build_facets(counts, selected, labels, complete=True):
    """Return every facet's options that have cases or are selected, with counts and state.

    complete=False keeps, of a facet with thousands of options (Facet.top_options), only what
    a page shows: its largest and its chosen options (see top_options()).
    """
    result = []
    for facet in FACETS:
        chosen = set(selected.get(facet.param, ()))
        found = [
            (value, label, counts.get(facet.param, value)) for value, label in facet.options(labels)
        ]
        found = [item for item in found if item[2] or item[0] in chosen]
        if facet.top_options and not complete:
            # nlargest() keeps the first of equal counts, as top_options()' stable sort does.
            largest = set(
                heapq.nlargest(facet.top_options, range(len(found)), key=lambda i: found[i][2])
            )
            found = [item for i, item in enumerate(found) if i in largest or item[0] in chosen]
        options = [
            {"value": value, "label": str(label), "count": count, "selected": value in chosen}
            for value, label, count in found
        ]
        result.append(
            {
                "param": facet.param,
                "label": str(facet.label),
                "options": options,
                "top": facet.top_options,
            }
        )
    return result


def top_options(numbered, limit):
    """The chosen options and the `limit` largest by count, largest first (ties in the facet's
    own order): what a facet with thousands of options (Facet.top_options) shows.

    numbered: (index, option) pairs, the index being the option's place in the whole group.
    """
    by_count = sorted(numbered, key=lambda item: -item[1]["count"])
    top = {index for index, _option in by_count[:limit]}
    return [(i, o) for i, o in by_count if i in top or o["selected"]]


def active_filters(browse, facets):
    """The chosen values, the distance and the search, each with the query string that removes
    it (the browse page and the overview alike)."""
    active = [
        {
            "facet": facet["label"],
            "label": option["label"],
            "remove": browse.querydict(remove=(facet["param"], option["value"])).urlencode(),
        }
        for facet in facets
        for option in facet["options"]
        if option["selected"]
    ]
    if browse.near:
        # Not a facet: the cases with a place within km of a municipality's office.
        active.append(
            {
                "facet": _("距離"),
                "label": _("%(place)sから%(km)dkm以内")
                % {"place": browse.near.prefecture + browse.near.name, "km": browse.km},
                "remove": browse.querydict(remove=("near", browse.near.lg_code)).urlencode(),
            }
        )
    if browse.query:
        active.append(
            {
                "facet": _("キーワード"),
                "label": browse.query,
                "remove": browse.querydict(remove=("q", browse.query)).urlencode(),
            }
        )
    return active
