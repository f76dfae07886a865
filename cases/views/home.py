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

        context.update(
            case_count=len(index.ids),
            types=entries("type"),
            themes=entries("theme"),
            regions=entries("region"),
            # The index holds published cases only: a document cited by drafts alone is not
            # listed (its title may be part of unpublished work).
            sources=[
                {"source": source, "count": index.count("source", source.key)}
                for source in SourceDocument.objects.order_by("year", "key")
                if index.count("source", source.key)
            ],
        )
        return context
