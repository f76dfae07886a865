"""The browse page's query string parsed as one FilterSet: facets, search and sort.

Only the parsing: the selection itself is answered by the in-memory index
(cases.facets.index), and tests/cases/sql_reference.py states it in SQL for the tests.
"""

import django_filters
import django_filters.fields
from django import forms
from django.utils.translation import gettext_lazy as _

from .facets import FACETS
from .models import Case
from .text import normalize

MAX_QUERY_LENGTH = 100


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keep the values it knows and set the others aside, instead of failing the whole form."""

    def clean(self, value):
        values = [str(v) for v in (value or [])]
        self.ignored = [v for v in values if not self.valid_value(v)]
        return list(dict.fromkeys(v for v in values if self.valid_value(v)))


class FacetFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField


class QueryField(forms.CharField):
    def clean(self, value):
        text = normalize(value if isinstance(value, str) else "")
        self.truncated = len(text) > MAX_QUERY_LENGTH
        return text[:MAX_QUERY_LENGTH].strip()


class SortField(django_filters.fields.ChoiceField):
    def clean(self, value):
        return value if self.valid_value(value) else ""


class CaseFilterSet(django_filters.FilterSet):
    SORTS = (
        ("relevance", _("関連度")),
        ("title", _("事例名")),
        ("-population", _("人口の多い順")),
        ("population", _("人口の少ない順")),
        ("-latest_source", _("出典の新しい順")),
    )

    q = django_filters.CharFilter(field_name="search_text", label=_("キーワード"))
    sort = django_filters.ChoiceFilter(label=_("並び順"), choices=SORTS, empty_label=None)

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, queryset=None, *, labels=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        labels = labels or {}
        for facet in FACETS:
            self.filters[facet.param] = FacetFilter(
                field_name=facet.param, label=facet.label, choices=facet.options(labels)
            )
        self.filters["q"].field_class = QueryField
        self.filters["sort"].field_class = SortField
        # Facets come first, so that search and sort apply to the narrowed set.
        self.filters = {
            **{facet.param: self.filters[facet.param] for facet in FACETS},
            "q": self.filters["q"],
            "sort": self.filters["sort"],
        }

    @property
    def cleaned(self):
        self.form.is_valid()  # every field is lenient, so this only fills cleaned_data
        return self.form.cleaned_data

    def selected_facets(self):
        return {facet.param: self.cleaned.get(facet.param) or [] for facet in FACETS}

    def ignored_values(self):
        return {
            facet.param: self.form.fields[facet.param].ignored
            for facet in FACETS
            if getattr(self.form.fields[facet.param], "ignored", None)
        }

    @property
    def query(self):
        return self.cleaned.get("q") or ""

    @property
    def query_truncated(self):
        self.cleaned  # noqa: B018 (cleaning sets the flag)
        return getattr(self.form.fields["q"], "truncated", False)

    @property
    def sort_key(self):
        return self.cleaned.get("sort") or ("relevance" if self.query else "title")

    def filter_queryset(self, queryset):
        raise NotImplementedError(
            "CaseFilterSet only parses the query string: cases.facets.index answers it."
        )
