"""The facets as the browse page and the JSON show them: options with counts and state."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .definitions import FACETS


@dataclass
class FacetCounts:
    counts: dict = field(default_factory=dict)  # (facet, value) -> count

    def get(self, facet, value):
        return self.counts.get((facet, value), 0)


def build_facets(counts, selected, labels):
    """Return every facet's options that have cases or are selected, with counts and state."""
    result = []
    for facet in FACETS:
        chosen = set(selected.get(facet.param, ()))
        options = []
        for value, label in facet.options(labels):
            count = counts.get(facet.param, value)
            if count or value in chosen:
                options.append(
                    {
                        "value": value,
                        "label": str(label),
                        "count": count,
                        "selected": value in chosen,
                    }
                )
        result.append({"param": facet.param, "label": str(facet.label), "options": options})
    return result


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
