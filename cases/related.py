"""Which published cases a case page suggests next, and in what order."""

from collections import defaultdict

from django.db.models import Value
from django.urls import reverse

from .models import Actor, Case


def related_cases(case, index, limit=8):
    """Cases linked by hand first, then those sharing organisations, then themes.

    index is the facet index, which holds published cases only: a draft is never suggested.
    """
    organization_ids = {actor.organization_id for actor in case.actors.all()}
    theme_keys = [theme.key for theme in case.themes.all()]
    # One query for both: explicit links (organisation -1) and shared organisations.
    linked = (
        Case.related.through.objects.filter(to_case=case)
        .order_by()
        .values_list("from_case_id", Value(-1))
        .union(
            Actor.objects.filter(organization_id__in=organization_ids)
            .exclude(case=case)
            .order_by()
            .values_list("case_id", "organization_id"),
            all=True,
        )
    )
    explicit, organizations = set(), defaultdict(set)
    for case_id, organization_id in linked:
        if organization_id == -1:
            explicit.add(case_id)
        else:
            organizations[case_id].add(organization_id)
    candidates = explicit | set(organizations)
    candidates.update(
        case_id for case_id, _ in index.sharing("theme", theme_keys, 2, case.pk, limit)
    )
    position = index.position
    published = {case_id: position[case_id] for case_id in candidates if case_id in position}
    themes_shared = index.shared_counts("theme", theme_keys, published.values())
    ranked = []
    for case_id, at in published.items():
        shared_themes = themes_shared[at]
        if case_id not in explicit and not organizations[case_id] and shared_themes < 2:
            continue
        ranked.append(
            (
                case_id not in explicit,
                -len(organizations[case_id]),
                -shared_themes,
                at,
            )
        )
    similar = []
    for not_explicit, organizations_shared, themes_shared, at in sorted(ranked)[:limit]:
        similar.append(
            {
                "url": reverse("cases:case_detail", args=[index.slugs[at]]),
                "title": index.titles[at],
                "explicit": not not_explicit,
                "shared_organizations": -organizations_shared,
                "shared_themes": -themes_shared,
            }
        )
    return similar
