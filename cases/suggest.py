"""Close matches for a search that found nothing: names of cases, organisations and places.

difflib ranks by shared characters, which suits Japanese names without a tokenizer: a
mistyped 塩尻氏 is closest to 塩尻市. The names are few (places are the municipalities and
prefectures, organisations those with a page); case titles join them while the catalogue is
small enough that ranking them stays quick.
"""

import difflib

from .models import Municipality, Organization, Prefecture
from .text import normalize

MAX_SUGGESTIONS = 5
# Above this many published cases their titles are left out: difflib reads every name.
MAX_TITLES = 5_000
CUTOFF = 0.5


def candidate_names(titles):
    names = [*Prefecture.objects.values_list("name", flat=True)]
    names += Municipality.objects.values_list("name", flat=True).distinct()
    for name, aliases in Organization.objects.public().values_list("name", "aliases"):
        names += [name, *aliases]
    if len(titles) <= MAX_TITLES:
        names += titles
    return list(dict.fromkeys(names))


def close_matches(query, titles):
    """Return up to MAX_SUGGESTIONS names close to query, the closest first."""
    names = candidate_names(titles)
    folded = {}
    for name in names:
        folded.setdefault(normalize(name), name)
    found = difflib.get_close_matches(normalize(query), folded, n=MAX_SUGGESTIONS, cutoff=CUTOFF)
    return [folded[key] for key in found]
