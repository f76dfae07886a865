from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Synthetic data and the benchmark: development and CI only (see kokudo/settings.py)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "bench"
    verbose_name = "Benchmark (development only)"
