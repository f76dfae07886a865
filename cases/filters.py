"""The browse selection in SQL, as a FilterSet: the reference the in-memory index is tested
against. The views parse the query string with cases.browse.BrowseQuery, not with this."""

import django_filters
import django_filters.fields
from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .browse import SORTS, clean_query
from .facets import FACETS, filter_by_facets
from .models import Case


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keep the values it knows and set the others aside, instead of failing the whole form."""

    def clean(self, value):
        values = [str(v) for v in (value or [])]
        self.ignored = [v for v in values if not self.valid_value(v)]
        return list(dict.fromkeys(v for v in values if self.valid_value(v)))


class FacetFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField

    def filter(self, qs, value):
        return filter_by_facets(qs, {self.field_name: value}) if value else qs


class QueryField(forms.CharField):
    def clean(self, value):
        text, self.truncated = clean_query(value)
        return text


class SortField(django_filters.fields.ChoiceField):
    def clean(self, value):
        return value if self.valid_value(value) else ""


class CaseFilterSet(django_filters.FilterSet):
    SORTS = SORTS

    q = django_filters.CharFilter(
        field_name="search_text", method="filter_search", label=_("キーワード")
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort", label=_("並び順"), choices=SORTS, empty_label=None
    )

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

    def searched(self):
        """The queryset with the search applied but no facet: the base of the counts."""
        return self.queryset.search(self.query) if self.query else self.queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value) if value else queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # ordering is applied last, in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.sort_key
        if sort == "relevance" and self.query:
            return queryset.by_relevance(self.query)
        if sort == "-population":
            return queryset.order_by(F("population").desc(nulls_last=True), "title", "pk")
        if sort == "population":
            return queryset.order_by(F("population").asc(nulls_last=True), "title", "pk")
        if sort == "-latest_source":
            return queryset.order_by(Coalesce("latest_source_year", 0).desc(), "title", "pk")
        return queryset.order_by("title", "pk")
