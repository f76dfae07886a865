"""The browse facets: their definitions (one class each), their display, and the in-memory index.

The index (cases.facets.index) is not imported here: code that needs only the definitions
(cases.indexing, the synthetic generator) should not load it.
"""

from .definitions import (
    FACETS,
    FACETS_BY_PARAM,
    POPULATION_BANDS,
    Facet,
    PopulationBand,
    Scope,
    dynamic_labels,
    facet_pairs,
)
from .display import FacetCounts, build_facets

__all__ = [
    "FACETS",
    "FACETS_BY_PARAM",
    "POPULATION_BANDS",
    "Facet",
    "FacetCounts",
    "PopulationBand",
    "Scope",
    "build_facets",
    "dynamic_labels",
    "facet_pairs",
]
