from django.views.generic import TemplateView

from ..facets import FACETS_BY_PARAM
from ..facets.index import current_index
from ..models import SourceDocument


class HomeView(TemplateView):
    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        index = current_index()
        labels = index.labels

        def entries(param):
            return [
                {"value": value, "label": label, "count": index.count(param, value)}
                for value, label in FACETS_BY_PARAM[param].options(labels)
                if index.count(param, value)
            ]

        def covered(param):
            """How many cases have any value of the facet: what its grouping covers."""
            values = [value for value, _label in FACETS_BY_PARAM[param].options(labels)]
            return index.facet_mask(param, values).bit_count()

        context.update(
            case_count=len(index.ids),
            covered={param: covered(param) for param in ("type", "region", "theme")},
            types=entries("type"),
            themes=entries("theme"),
            regions=entries("region"),
            # A document cited by drafts alone is not listed (its title may be part of
            # unpublished work).
            sources=[
                {"source": source, "count": index.count("source", source.key)}
                for source in SourceDocument.objects.public().order_by("year", "key")
            ],
        )
        return context
