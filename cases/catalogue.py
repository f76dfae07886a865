"""Kept while cases/views.py still calls catalogue.case_record (the public JSON gets its own
schema in cases/exports.py); the fixture pipeline is cases/fixtures/."""

from .fixtures import case_record

__all__ = ["case_record"]
