"""What changed between the documents that describe one case: 「資料による記載の違い」.

Derived from the case's rows, never written by hand: every row names the document it comes
from, so the same figure stated by two documents, and the organisations, funding,
infrastructure and milestones that only one document's rows hold, follow from the data. It
reads only what the detail page has already fetched (its prefetched rows and its outline), so
the page's query budget does not move.

It states what each document says, side by side with each one's date, and never draws a trend
from two figures: the documents' dates and wording differ, and a difference is not a change
unless a document says so.
"""

from dataclasses import dataclass, field
from datetime import date

from .models import Case, KeyFigure


@dataclass
class SourceAccount:
    """What the catalogue holds from one document and from no other (about this case)."""

    source: object  # SourceDocument
    organizations: list = field(default_factory=list)  # Organization
    funding: list = field(default_factory=list)  # Funding
    infrastructure: list = field(default_factory=list)  # Infrastructure
    milestones: list = field(default_factory=list)  # outline dicts
    figures: list = field(default_factory=list)  # KeyFigure

    @property
    def empty(self):
        return not (
            self.organizations
            or self.funding
            or self.infrastructure
            or self.milestones
            or self.figures
        )


@dataclass
class Differences:
    sources: list  # SourceDocument, oldest first
    figure_pairs: list  # {"place", "label", "kind_label", "by_source": [[KeyFigure]]}
    only_in: list  # SourceAccount per document, oldest first
    classifications: list  # (label, value): the 類型 the documents gave


def _rows(case, name):
    """A prefetched relation, without a query for one that has no rows (the page's flags)."""
    if not getattr(case, f"has_{name}", True):
        return []
    return list(getattr(case, name).all())


def _figure_key(figure):
    """Figures "of the same kind and place": a population or area of one place; any other
    figure only when its item is also worded the same."""
    if figure.kind == KeyFigure.Kind.OTHER:
        return (figure.kind, figure.place_id, figure.label)
    return (figure.kind, figure.place_id)


def _grouped(rows, key):
    """{key: {source id: [rows]}}, keys and sources in the order first met."""
    groups = {}
    for row in rows:
        groups.setdefault(key(row), {}).setdefault(row.source_id, []).append(row)
    return groups


def case_differences(case):
    """Return the Differences of a case the detail page has loaded, or None for one document."""
    sources = {}
    for citation in _rows(case, "citations"):
        sources.setdefault(citation.source_id, citation.source)
    if len(sources) < 2:
        return None
    ordered = sorted(
        sources.values(),
        key=lambda source: (source.year, source.published_on or date.max, source.key),
    )
    accounts = {source.pk: SourceAccount(source) for source in ordered}
    by_key = {source.key: source.pk for source in ordered}

    figure_pairs = []
    for statements in _grouped(_rows(case, "figures"), _figure_key).values():
        if len(statements) > 1:
            figures = [figure for source in ordered for figure in statements.get(source.pk, [])]
            figure_pairs.append(
                {
                    "label": figures[0].label,
                    "place": figures[0].place,
                    "kind_label": figures[0].get_kind_display(),
                    # One list per document, in the order of sources: what each one states.
                    "by_source": [statements.get(source.pk, []) for source in ordered],
                }
            )
        else:
            ((source_id, figures),) = statements.items()
            accounts[source_id].figures.extend(figures)

    # An organisation is named by its actor rows and as a funder.
    named = [(actor.organization, actor.source_id) for actor in _rows(case, "actors")]
    named += [(row.provider, row.source_id) for row in _rows(case, "funding") if row.provider]
    organizations = {}
    for organization, source_id in named:
        organizations.setdefault(organization.pk, (organization, set()))[1].add(source_id)
    for organization, source_ids in organizations.values():
        if len(source_ids) == 1:
            accounts[next(iter(source_ids))].organizations.append(organization)

    for name, key in (
        ("funding", lambda row: (row.kind, row.provider_id)),
        ("infrastructure", lambda row: row.name),
    ):
        for statements in _grouped(_rows(case, name), key).values():
            if len(statements) == 1:
                ((source_id, rows),) = statements.items()
                getattr(accounts[source_id], name).extend(rows)

    milestones = getattr(case, "outline", {}).get("milestones", [])
    seen = {}
    for item in milestones:
        seen.setdefault((item["year"], item["month"], item["body"]), set()).add(item["source_key"])
    for item in milestones:
        keys = seen[(item["year"], item["month"], item["body"])]
        if len(keys) == 1 and item["source_key"] in by_key:
            accounts[by_key[item["source_key"]]].milestones.append(item)

    classifications = [
        (Case._meta.get_field(name).verbose_name, getattr(case, f"get_{name}_display")())
        for name in ("type_2025", "hub_type_2019")
        if getattr(case, name)
    ]
    return Differences(
        sources=ordered,
        figure_pairs=figure_pairs,
        only_in=[accounts[source.pk] for source in ordered],
        classifications=classifications,
    )
