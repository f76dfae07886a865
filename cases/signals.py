from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from .models import Case, CatalogueVersion, Municipality, Organization, SourceDocument, Theme
from .text import normalize_line_breaks

# The models whose records the public pages show besides a case's own rows; those rows bump
# the version through Case.refresh_index(), which the admin calls after saving them.
SHOWN_ON_PUBLIC_PAGES = (Case, Theme, SourceDocument, Organization, Municipality)


def catalogue_changed(sender, **kwargs):
    # The in-memory facet index rebuilds on its next use, and cached case pages of the old
    # version are no longer served (see CatalogueVersion).
    CatalogueVersion.bump()


for model in SHOWN_ON_PUBLIC_PAGES:
    post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
    post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")


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
