import unicodedata

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

SNIPPET_RADIUS = 40


def highlight(text, terms, radius=SNIPPET_RADIUS):
    """Return an escaped passage of text around the first term, with every term in <mark>.

    Return None when no term occurs in text.
    """
    shown = unicodedata.normalize("NFKC", text or "")
    folded = shown.casefold()
    if len(folded) != len(shown):  # casefolding changed offsets (e.g. ß): fall back to lower()
        folded = shown.lower()
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1 and term:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    if not spans:
        return None
    spans.sort()
    first = spans[0][0]
    window_start = max(0, first - radius)
    window_end = min(len(shown), first + radius * 2)
    pieces = ["…" if window_start > 0 else ""]
    cursor = window_start
    for start, end in spans:
        if start < cursor or end > window_end:
            continue
        pieces.append(conditional_escape(shown[cursor:start]))
        pieces.append(f"<mark>{conditional_escape(shown[start:end])}</mark>")
        cursor = end
    pieces.append(conditional_escape(shown[cursor:window_end]))
    pieces.append("…" if window_end < len(shown) else "")
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text is escaped above)


@register.simple_tag
def snippet(case, query):
    """Show where a case matches the query: the best passage, or the summary."""
    terms = [term for term in query.split() if term]
    for text in (case.summary, case.description, case.approach):
        passage = highlight(text, terms)
        if passage:
            return passage
    return case.summary


@register.simple_tag
def facet_options(facet):
    """Render a facet's checkboxes (in Python: a browse page shows hundreds of them)."""
    return format_html_join(
        "\n",
        '<li><input type="checkbox" id="{0}" name="{1}" value="{2}"{3}>'
        '<label for="{0}">{4} <span class="count">({5})</span></label></li>',
        (
            (
                f"f-{facet['param']}-{index}",
                facet["param"],
                option["value"],
                mark_safe(" checked") if option["selected"] else "",
                option["label"],
                option["count"],
            )
            for index, option in enumerate(facet["options"])
        ),
    )
