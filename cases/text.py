"""Text normalisation shared by search, deduplication and the fixture pipeline."""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Corporate designations that do not tell two organisations apart (株式会社ミーツ = ミーツ株式会社).
_CORPORATE_SUFFIXES = re.compile(
    r"株式会社|有限会社|合同会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|"
    r"特定非営利活動法人|NPO法人|社会福祉法人|\(株\)|\(有\)|\(同\)|㈱|㈲"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a browser posts (CRLF), old Mac text (CR) and the Unicode line and paragraph separators,
# NEL (U+0085) among them, which YAML 1.1 also reads as line breaks (PyYAML wrote NEL so that it
# read back as a space).
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")


def normalize(text):
    """Fold width and case (NFKC + casefold) and collapse whitespace, for matching."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip().casefold()


def normalize_organization_name(name):
    """Return the key under which two spellings of one organisation coincide."""
    folded = unicodedata.normalize("NFKC", name or "")
    folded = _CORPORATE_SUFFIXES.sub("", folded)
    return _WHITESPACE.sub("", folded).casefold()


def strip_control_characters(text):
    return _CONTROL.sub("", text or "")


def normalize_line_breaks(text):
    """Every line break as "\\n", so stored text writes to the fixture files as it reads back."""
    return _LINE_BREAKS.sub("\n", text)
