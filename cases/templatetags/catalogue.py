import unicodedata

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe

from cases.facets.display import top_options

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


# A facet group longer than this shows its largest options and folds the rest under すべて表示.
FACET_OPTIONS_SHOWN = 8


@register.filter
def split_options(facet):
    """Return (shown, folded) lists of (index, option) for a facet group.

    Short groups show every option. Long ones (都道府県, テーマ …) show the options with the
    most cases and every selected one, in the facet's own order; the rest are folded. The index
    is the option's place in the whole group, so each checkbox keeps its id wherever it shows.
    """
    numbered = list(enumerate(facet["options"]))
    if facet.get("top"):
        # Thousands of options (organisations): the largest by count and the chosen ones, the
        # largest first; the rest are reached by the group's text box, not by checkboxes.
        return top_options(numbered, facet["top"]), []
    if len(numbered) <= FACET_OPTIONS_SHOWN + 1:  # folding one option saves nothing
        return numbered, []
    by_count = sorted(numbered, key=lambda item: -item[1]["count"])
    top = {index for index, _option in by_count[:FACET_OPTIONS_SHOWN]}
    shown = [(i, o) for i, o in numbered if i in top or o["selected"]]
    folded = [(i, o) for i, o in numbered if i not in top and not o["selected"]]
    return shown, folded


@register.simple_tag
def facet_options(facet, numbered):
    """Render a facet's checkboxes (in Python: a browse page shows hundreds of them).

    numbered is a list of (index, option) from split_options.
    """
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
            for index, option in numbered
        ),
    )


@register.filter
def selected_count(facet):
    return sum(1 for option in facet["options"] if option["selected"])
