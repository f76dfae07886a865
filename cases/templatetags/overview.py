"""The overview's charts and heat tables, rendered in Python: a page holds hundreds of bars and
cells, which the template language would take most of the page's time to draw."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Fixed markup, no values in it: safe as written.
SELECTED_STATE = mark_safe(' <span class="bar-row__state">（選択中・外す）</span>')
ZERO_CELL = mark_safe('<span class="heat-table__zero">0</span>')


@register.simple_tag
def bar_rows(chart):
    """A chart's bars: each a link, its length its share of the chart's largest count."""
    return format_html_join(
        "\n",
        '<li><a class="bar-row{0}" href="?{1}"><span class="bar-row__label">{2}{3}</span>'
        '<span class="bar-row__track"><span class="bar-row__bar" style="inline-size: {4}%">'
        '</span><span class="bar-row__count">{5}<span class="visually-hidden">件</span></span>'
        "</span></a></li>",
        (
            (
                " bar-row--selected" if option["selected"] else "",
                option["query"],
                option["label"],
                SELECTED_STATE if option["selected"] else "",
                f"{option['share']:.1f}",
                option["count"],
            )
            for option in chart["options"]
        ),
    )


@register.simple_tag
def chart_table_rows(chart):
    """The rows of a chart's table of numbers, for screen readers."""
    return format_html_join(
        "",
        '<tr><th scope="row">{0}{1}</th><td>{2}</td></tr>',
        (
            (option["label"], "（選択中）" if option["selected"] else "", option["count"])
            for option in chart["options"]
        ),
    )


@register.simple_tag
def heat_cells(row):
    """A heat table row's cells: the number in each, a link where there are cases."""
    return format_html_join(
        "",
        '<td style="background: {0}; color: {1}">{2}</td>',
        (
            (
                cell["background"],
                cell["colour"],
                format_html(
                    '<a href="?{0}" style="color: {1}" aria-label="{2}・{3}：{4}件">{4}</a>',
                    cell["query"],
                    cell["colour"],
                    row["label"],
                    cell["column"],
                    cell["count"],
                )
                if cell["count"]
                else ZERO_CELL,
            )
            for cell in row["cells"]
        ),
    )
