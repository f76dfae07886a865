"""Development-only: synthetic cases and the benchmark that measures the site at scale.

Enabled by kokudo/settings.py when DEBUG is on or KOKUDO_BENCH is set; never installed in
production (pyproject.toml leaves it out of the package).
"""
