"""The facets as the browse page and the JSON show them: options with counts and state."""

from dataclasses import dataclass, field

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
