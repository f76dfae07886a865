"""Matching the free text rows once typed for their section to a document's sections.

Rows used to name their section as text (「4.(1)③(i) 参考事例①」, 「米子市・境港市の概要」).
The data migration that turned the text into a choice (cases/migrations/0016) reads it with
`match_section`, the one rule for what a typed section means: the longest way of writing one
of the document's sections that the text starts with is the section, and whatever follows is
the note (参考事例①, a table's title, …).
"""


def _spellings(number, heading):
    """The ways a row's text may have named a section, longest first."""
    forms = {heading} if not number else {number, f"{number} {heading}", f"{number}{heading}"}
    return sorted((form for form in forms if form), key=len, reverse=True)


def match_section(sections, text):
    """Return (section, note) for `text`, or (None, text) when no section matches.

    `sections` are objects with `number` and `heading` (model instances, historical ones
    included); the note is what follows the matched spelling, stripped.
    """
    text = (text or "").strip()
    best, best_length = None, 0
    for section in sections:
        for form in _spellings(section.number, section.heading):
            if len(form) > best_length and text.startswith(form):
                rest = text[len(form) :]
                # 「1(1)」 must not claim 「1(10)」: the spelling ends where a word may end.
                if rest and rest[0].isalnum() and rest[0].isascii():
                    continue
                best, best_length = section, len(form)
    if best is None:
        return None, text
    return best, text[best_length:].strip()


def describe(number, heading, note="", page="", *, exact_page=False):
    """How pages and citations show a section: 4.(1)③ 産業イノベーション創出型 p.41〜.

    A section's page is where the 目次 says it starts (p.41〜); only a page a row records
    for itself points at the very page (`exact_page`).
    """
    text = " ".join(part for part in (number, heading, note) if part)
    if not page:
        return text
    return f"{text} p.{page}" if exact_page else f"{text} p.{page}〜"
