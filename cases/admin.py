from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Actor,
    Case,
    CasePoint,
    Challenge,
    Citation,
    CommonFactor,
    Funding,
    Infrastructure,
    KeyFigure,
    Milestone,
    Municipality,
    Organization,
    Place,
    Prefecture,
    SourceDocument,
    Theme,
)

admin.site.site_header = _("国土事例カタログ 編集")
admin.site.site_title = _("国土事例カタログ")
admin.site.index_title = _("カタログの編集")


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, answering 404 to a history URL whose ids are not numbers.

    Its version view hands both ids to the database as they come, which raises ValueError (500)
    for /admin/cases/case/1/history/abc/.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not (object_id.isascii() and object_id.isdigit()):
            raise Http404
        if not (version_id.isascii() and version_id.isdigit()):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


# Reference data ------------------------------------------------------------------------------


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "lg_code"]
    list_filter = ["region"]
    search_fields = ["name", "kana", "name_en"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["lg_code", "name", "prefecture", "kana"]
    list_filter = ["prefecture__region", "prefecture"]
    list_select_related = ["prefecture"]
    search_fields = ["lg_code", "name", "kana", "prefecture__name"]


@admin.register(SourceDocument)
class SourceDocumentAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["short_title", "issuer", "published_label", "year", "case_count"]
    search_fields = ["title", "short_title", "issuer"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(case_count=Count("citations__case", distinct=True))
        )

    @admin.display(description=_("事例数"), ordering="case_count")
    def case_count(self, obj):
        return obj.case_count


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "origin", "position", "case_count"]
    list_filter = ["origin"]
    list_editable = ["position"]
    search_fields = ["name", "short_name", "key"]
    prepopulated_fields = {"key": ["short_name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(case_count=Count("cases", distinct=True))

    @admin.display(description=_("事例数"), ordering="case_count")
    def case_count(self, obj):
        return obj.case_count


@admin.register(Organization)
class OrganizationAdmin(HistoryAdmin):
    list_display = ["name", "kind", "alias_list", "case_count"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "normalized_name"]
    readonly_fields = ["normalized_name"]
    fields = ["name", "slug", "kind", "aliases", "note", "normalized_name"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(case_count=Count("roles__case", distinct=True))
        )

    @admin.display(description=_("別表記"))
    def alias_list(self, obj):
        return "、".join(obj.aliases)

    @admin.display(description=_("事例数"), ordering="case_count")
    def case_count(self, obj):
        return obj.case_count


# Cases ---------------------------------------------------------------------------------------


class CaseRowInline(admin.StackedInline):
    extra = 0
    autocomplete_fields = ["source"]
    classes = ["collapse"]


class PlaceInline(admin.TabularInline):
    model = Place
    extra = 0
    fields = ["position", "kind", "name", "municipality", "prefecture"]
    autocomplete_fields = ["municipality", "prefecture"]


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ["position", "source", "section", "page", "note", "origin_as_printed"]


class ActorInline(admin.TabularInline):
    model = Actor
    extra = 0
    fields = ["position", "organization", "role", "note", "source", "section"]
    autocomplete_fields = ["organization"]


class FundingInline(CaseRowInline):
    model = Funding
    autocomplete_fields = ["provider", "source"]
    fields = [
        ("kind", "provider"),
        ("amount_as_printed", "amount_yen"),
        ("date_as_printed", "year", "month"),
        "note",
        ("source", "section", "position"),
    ]


class InfrastructureInline(admin.TabularInline):
    model = Infrastructure
    extra = 0
    fields = ["position", "kind", "name", "description", "source", "section"]


class KeyFigureInline(CaseRowInline):
    model = KeyFigure
    fields = [
        ("kind", "place", "label"),
        ("as_printed", "qualifier", "printed_value", "unit", "text_only"),
        ("as_of_label", "as_of_year", "as_of_month", "undated"),
        ("source", "section", "position"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the places of the case being edited.
        if db_field.name == "place":
            case_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Place.objects.filter(case_id=case_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["year", "month", "date_as_printed", "label", "source", "section", "position"]


class ChallengeInline(admin.TabularInline):
    model = Challenge
    extra = 0
    fields = ["position", "text", "source", "section"]


class CasePointInline(admin.TabularInline):
    model = CasePoint
    extra = 0
    fields = ["point", "text", "source", "section", "position"]


@admin.register(CommonFactor)
class CommonFactorAdmin(HistoryAdmin):
    list_display = ["numbered_name", "section", "case_count"]
    autocomplete_fields = ["source", "cases"]
    search_fields = ["name", "summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_cases=Count("cases"))

    def save_related(self, request, form, formsets, change):
        # The factor facet is derived per case: re-derive the cases that join or leave.
        factor = form.instance
        before = set(factor.cases.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(factor.cases.values_list("pk", flat=True))
        for case in Case.objects.filter(pk__in=before | after):
            case.refresh_index()

    @admin.display(description=_("共通項"), ordering="number")
    def numbered_name(self, factor):
        return str(factor)

    @admin.display(description=_("事例数"), ordering="n_cases")
    def case_count(self, factor):
        return factor.n_cases


@admin.register(Case)
class CaseAdmin(HistoryAdmin):
    list_display = [
        "title",
        "status",
        "kind",
        "type_2025",
        "hub_type_2019",
        "source_list",
        "view_link",
    ]
    list_display_links = ["title"]
    list_filter = [
        "status",
        "kind",
        "type_2025",
        "hub_type_2019",
        "themes",
        "places__prefecture__region",
        "places__prefecture",
        "actors__organization__kind",
        "funding__kind",
        "infrastructure__kind",
        "citations__source",
        "places__kind",
    ]
    search_fields = [
        "title",
        "slug",
        "summary",
        "description",
        "places__name",
        "actors__organization__name",
        "infrastructure__name",
    ]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes"]
    autocomplete_fields = ["related", "reference_of"]
    actions = ["publish", "unpublish"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "summary", "description"]}),
        (
            _("分類"),
            {"fields": ["kind", "type_2025", "hub_type_2019", "themes", "start_year"]},
        ),
        (_("参考事例"), {"fields": ["reference_of", "reference_label"], "classes": ["collapse"]}),
        (_("2022年資料の整理"), {"fields": ["approach"], "classes": ["collapse"]}),
        (_("関連と注記"), {"fields": ["related", "editor_note"]}),
    ]
    inlines = [
        CitationInline,
        PlaceInline,
        ActorInline,
        FundingInline,
        InfrastructureInline,
        KeyFigureInline,
        MilestoneInline,
        ChallengeInline,
        CasePointInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("citations__source")

    def get_search_results(self, request, queryset, search_term):
        # Searching across places and actors joins many rows per case.
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset, True

    @admin.display(description=_("出典"))
    def source_list(self, obj):
        return "、".join(sorted({c.source.short_title for c in obj.citations.all()}))

    @admin.display(description=_("公開ページ"))
    def view_link(self, obj):
        if obj.status != Case.Status.PUBLISHED:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("表示")
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_index()

    # simple-history restores the case's own fields only: its revert saves through save_model
    # and the form's themes (as they are now), never save_related. The page says so
    # (templates/admin/cases/case/object_history_form.html), and the index is refreshed here.
    object_history_form_template = "admin/cases/case/object_history_form.html"

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302:
            Case.objects.get(pk=object_id).refresh_index()
        return response

    @admin.action(description=_("選択した事例を公開する"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Case.Status.PUBLISHED)

    @admin.action(description=_("選択した事例を下書きに戻す"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Case.Status.DRAFT)

    def _set_status(self, request, queryset, status):
        changed = 0
        # Save one by one so that each change is recorded in the history.
        for case in queryset.exclude(status=status):
            case.status = status
            case._change_reason = f"status: {status}"
            case.save()
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d 件の事例を更新しました。", "%(count)d 件の事例を更新しました。", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )
