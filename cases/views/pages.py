"""Pages and downloads about citing and reusing the catalogue (issue 17)."""

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from .. import citations, metadata
from ..models import Case


def citation_download(name, references, filename, notice=""):
    """The references as a file in the format called name (one of citations.FORMATS)."""
    spec = citations.FORMATS[name]
    response = HttpResponse(
        citations.render(name, references, notice), content_type=spec["content_type"]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{spec["extension"]}"'
    return response


def selection_citations(request, results, name):
    """A browse selection's references (format=bibtex|ris|csljson on /cases/).

    results are the browse page's (cases.facets.index.IndexedResults): the first
    MAX_CITED_CASES in the page's order, the cases' own fields and cited sections only.
    """
    ids = results.ids(0, citations.MAX_CITED_CASES)
    found = (
        Case.objects.published()
        .filter(pk__in=ids)
        .only("slug", "title", "summary", "content_changed_at")
        .prefetch_related(citations.cited_sections())
        .in_bulk()
    )
    references = citations.selection_references(
        [found[case_id] for case_id in ids if case_id in found],
        lambda case: request.build_absolute_uri(case.get_absolute_url()),
        # The day the reader took the citations: this response is never cached.
        accessed=timezone.localdate(),
    )
    return citation_download(
        name, references, "kokudo-selection", citations.omitted_notice(len(results))
    )


class CaseCitationView(View):
    """One case's references as a file: /cases/<slug>/cite.bib, cite.ris or cite.json."""

    def get(self, request, slug, extension):
        name = citations.FORMAT_BY_EXTENSION.get(extension)
        if name is None or len(slug) > Case._meta.get_field("slug").max_length:
            raise Http404
        case = get_object_or_404(
            Case.objects.published().prefetch_related(citations.cited_sections()), slug=slug
        )
        references = citations.case_references(
            case,
            request.build_absolute_uri(case.get_absolute_url()),
            # The day the reader took the citation: this response is never cached.
            accessed=timezone.localdate(),
        )
        return citation_download(name, references, f"kokudo-{case.slug}")


class TermsView(TemplateView):
    template_name = "cases/terms.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(license=settings.DATA_LICENSE, **kwargs)


def catalog_jsonld(request):
    """The catalogue described in DCAT, for data portals to harvest."""
    return JsonResponse(
        metadata.dcat_catalog(request),
        content_type="application/ld+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # Downloads and every combination of filters are not pages to index one by one.
        "Disallow: /cases/*/cite.",
        "Disallow: /compare/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
