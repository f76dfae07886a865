"""The prefecture map drawn on the server: 47 outlines shaded by a number of cases.

It needs nothing from outside (no tiles, no script), so it is what the home page shows and what
the map view falls back to. The outlines come from static/maps/prefectures.json, built once from
japanmap by tools/build_prefecture_svg.py.
"""

import json
import math
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .models import Prefecture

OUTLINES = "maps/prefectures.json"
# ColorBrewer "Blues" (6 classes) without its lightest, which white (zero) would swallow:
# sequential and single-hue, so each class is also a step of lightness and the map still reads
# in greyscale. Zero gets white, set off by the outline.
PALETTE = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#ffffff"
MAX_CLASSES = len(PALETTE)


@cache
def outlines():
    """The outlines file as built: {"viewBox": ..., "prefectures": {code: path data}}."""
    path = finders.find(OUTLINES) or (settings.STATIC_ROOT / OUTLINES)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def class_breaks(counts):
    """Upper bounds of up to five classes of the non-zero counts, by quantile.

    Quantiles, not equal steps, because a few prefectures (東京都) hold many more cases than the
    rest; bounds are counts that occur, so that no class is empty.
    """
    values = sorted(count for count in counts if count > 0)
    if not values:
        return []
    classes = min(MAX_CLASSES, len(set(values)))
    return sorted({values[math.ceil(len(values) * (i + 1) / classes) - 1] for i in range(classes)})


def class_colours(number):
    """number colours from PALETTE, spread from lightest to darkest."""
    if number == 1:
        return [PALETTE[-1]]
    return [PALETTE[round(i * (MAX_CLASSES - 1) / (number - 1))] for i in range(number)]


def legend(breaks):
    """(label, colour) per class, zero first."""
    entries = [("0件", EMPTY)]
    low = 1
    for upper, colour in zip(breaks, class_colours(len(breaks)), strict=True):
        entries.append((f"{low}件" if low == upper else f"{low}〜{upper}件", colour))
        low = upper + 1
    return entries


def colour_for(count, breaks):
    if count <= 0:
        return EMPTY
    colours = class_colours(len(breaks))
    for upper, colour in zip(breaks, colours, strict=True):
        if count <= upper:
            return colour
    return colours[-1]


def choropleth_context(counts, url_for, caption="都道府県別の事例数", highlight=None):
    """What _prefecture_map.html draws.

    counts: {prefecture code: cases}; url_for(code) -> the link for a prefecture, or None for
    no link; highlight: a prefecture code to outline (the place page's own prefecture).
    """
    data = outlines()
    breaks = class_breaks(counts.values())
    names = dict(Prefecture.objects.values_list("code", "name"))
    prefectures = []
    for code, path in data["prefectures"].items():
        count = counts.get(code, 0)
        prefectures.append(
            {
                "code": code,
                "name": names.get(code, code),
                "count": count,
                "path": path,
                "fill": colour_for(count, breaks),
                "url": url_for(code) if url_for else None,
                "highlight": code == highlight,
            }
        )
    return {
        "caption": caption,
        "view_box": data["viewBox"],
        "prefectures": prefectures,
        "legend": legend(breaks),
        "total_prefectures": sum(1 for p in prefectures if p["count"]),
    }


def render_choropleth(counts, url_for, **options):
    """The choropleth as HTML (an <svg> in a <figure>, with its legend and a table)."""
    return render_to_string(
        "cases/_prefecture_map.html", {"map": choropleth_context(counts, url_for, **options)}
    )
