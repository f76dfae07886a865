from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from .models import (
    Case,
    CatalogueVersion,
    Municipality,
    Organization,
    Prefecture,
    SourceDocument,
    SourceSection,
    Theme,
)
from .text import normalize_line_breaks

# The models whose records the public pages show besides a case's own rows; those rows bump
# the version through Case.refresh_index(), which the admin calls after saving them.
SHOWN_ON_PUBLIC_PAGES = (Theme, SourceDocument, SourceSection, Organization, Municipality)


def catalogue_changed(sender, **kwargs):
    # The in-memory facet index rebuilds on its next use, and cached case pages of the old
    # version are no longer served (see CatalogueVersion).
    CatalogueVersion.bump()


def case_changed(sender, instance, **kwargs):
    # Only this case: each process applies it to its facet index instead of rebuilding.
    CatalogueVersion.bump(case_ids=[instance.pk])


for model in SHOWN_ON_PUBLIC_PAGES:
    post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
    post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
post_save.connect(case_changed, sender=Case, dispatch_uid="bump-Case")
post_delete.connect(case_changed, sender=Case, dispatch_uid="bump-Case")


def normalize_text_fields(sender, instance, raw=False, **kwargs):
    # One rule for every way text arrives (admin forms post CRLF, fixtures, code): stored line
    # breaks are "\n", so the exporter writes every multi-line field as a plain YAML block.
    if raw or sender._meta.app_label != "cases":
        return
    for field in sender._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                setattr(instance, field.attname, normalize_line_breaks(value))


pre_save.connect(normalize_text_fields, dispatch_uid="normalize-line-breaks")


# What each case's index (Case.refresh_index: search text and facet rows) reads from records
# shared between cases, and which cases read them. Changing one of these fields in any way (the
# admin, a history revert, the shell) re-indexes exactly those cases, so that ?theme=<new key>
# or a search for an organisation's new alias finds them. Fields not listed (a theme's position,
# a source's title) only change what pages show, which the version bump above covers.
INDEXED_BY_CASES = {
    Theme: (("key",), lambda theme: Q(themes=theme)),
    SourceDocument: (("key", "year"), lambda source: Q(citations__source=source)),
    Organization: (
        ("name", "slug", "aliases", "kind"),
        lambda org: Q(actors__organization=org) | Q(funding__provider=org),
    ),
    Municipality: (("name", "prefecture"), lambda city: Q(places__municipality=city)),
    Prefecture: (
        ("code", "name", "region"),
        lambda pref: Q(places__prefecture=pref) | Q(places__municipality__prefecture=pref),
    ),
}


def indexed_values(model, pk):
    fields, _ = INDEXED_BY_CASES[model]
    return model._base_manager.filter(pk=pk).values(*fields).first()


def reindex_cases(case_ids):
    for case in Case.objects.filter(pk__in=case_ids):
        case.refresh_index()


def remember_indexed_values(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._indexed_before = indexed_values(sender, instance.pk)


def reindex_if_indexed_values_changed(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_indexed_before", None)
    if raw or created or before is None:
        return
    del instance._indexed_before
    if before != indexed_values(sender, instance.pk):
        _, cases_reading = INDEXED_BY_CASES[sender]
        reindex_cases(Case.objects.filter(cases_reading(instance)).values("pk").distinct())


def remember_cases_of_deleted(sender, instance, **kwargs):
    # After the delete the links are gone (a theme's), so find the cases first.
    _, cases_reading = INDEXED_BY_CASES[sender]
    instance._indexed_by = list(
        Case.objects.filter(cases_reading(instance)).values_list("pk", flat=True).distinct()
    )


def reindex_cases_of_deleted(sender, instance, **kwargs):
    reindex_cases(getattr(instance, "_indexed_by", ()))


for model in INDEXED_BY_CASES:
    uid = f"reindex-{model.__name__}"
    pre_save.connect(remember_indexed_values, sender=model, dispatch_uid=uid)
    post_save.connect(reindex_if_indexed_values_changed, sender=model, dispatch_uid=uid)
    # Only a theme can go while cases still use it; the others are protected by their rows.
    pre_delete.connect(remember_cases_of_deleted, sender=model, dispatch_uid=uid)
    post_delete.connect(reindex_cases_of_deleted, sender=model, dispatch_uid=uid)
