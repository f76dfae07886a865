from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Case, CatalogueVersion, SourceDocument, Theme


@receiver(post_save, sender=Case)
@receiver(post_delete, sender=Case)
@receiver(post_save, sender=Theme)
@receiver(post_delete, sender=Theme)
@receiver(post_save, sender=SourceDocument)
def catalogue_changed(sender, **kwargs):
    # What browsing shows (status, titles, facet labels) changed; the in-memory facet index
    # rebuilds on its next use. Facet rows themselves bump in Case.refresh_index().
    CatalogueVersion.bump()
