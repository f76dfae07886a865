"""The in-memory facet index now lives in cases.facets.index; these names stay importable."""

from .facets.index import FacetIndex, IndexedResults, current_index, title_matches_first

__all__ = ["FacetIndex", "IndexedResults", "current_index", "title_matches_first"]
