"""Template tags for what a page tells machines and citers: JSON-LD, canonical URL, citations."""

from django import template

from .. import citations, metadata

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's address without its query string (browse pages set their own)."""
    request = context["request"]
    return request.build_absolute_uri(request.path)


@register.simple_tag
def site_description():
    return metadata.SITE_DESCRIPTION


@register.simple_tag(takes_context=True)
def case_jsonld(context, case):
    return metadata.json_ld_script(metadata.case_article(case, context["request"]))


@register.simple_tag(takes_context=True)
def dataset_jsonld(context):
    return metadata.json_ld_script(metadata.dataset(context["request"]))


@register.filter
def figure_citation(figure):
    return citations.figure_citation(figure)


@register.simple_tag(takes_context=True)
def page_citation(context, case):
    """The Japanese citation line for the catalogue's own page of a case."""
    url = context["request"].build_absolute_uri(case.get_absolute_url())
    return f"{citations.SITE_NAME}「{case.title}」{url}"
