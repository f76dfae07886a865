from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("事例カタログ")

    def ready(self):
        from . import signals  # noqa: F401 (connects the receivers)
