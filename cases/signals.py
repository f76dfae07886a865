from django.db.models.signals import post_delete, post_save

from .models import Case, CatalogueVersion, Municipality, Organization, SourceDocument, Theme

# The models whose records the public pages show besides a case's own rows; those rows bump
# the version through Case.refresh_index(), which the admin calls after saving them.
SHOWN_ON_PUBLIC_PAGES = (Theme, SourceDocument, Organization, Municipality)


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
