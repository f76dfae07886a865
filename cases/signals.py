from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Case, CatalogueVersion


@receiver(post_save, sender=Case)
@receiver(post_delete, sender=Case)
def case_changed(sender, **kwargs):
    # Status, title and deletions change what browsing shows; facet rows bump in refresh_index.
    CatalogueVersion.bump()
