from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from . import history, review, spreadsheet
from .audit import audit
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
    SourceSection,
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


class SourceSectionInline(admin.TabularInline):
    """A document's sections, in its order: what rows pick their section from."""

    model = SourceSection
    extra = 0
    fields = ["number", "heading", "page", "position"]


@admin.register(SourceSection)
class SourceSectionAdmin(HistoryAdmin):
    list_display = ["label", "source", "page", "position"]
    list_filter = ["source"]
    list_select_related = ["source"]
    search_fields = ["number", "heading", "source__short_title"]
    autocomplete_fields = ["source"]
    fields = ["source", ("number", "heading"), ("page", "position")]

    @admin.display(description=_("箇所"), ordering="number")
    def label(self, section):
        return section.label


@admin.register(SourceDocument)
class SourceDocumentAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SourceSectionInline]
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
    """One kind of a case's rows, as a collapsed section headed with its number of rows.

    Stacked, not tabular: a table of nine columns per row kind made the form of 伊那市 2,277 px
    wide in a 1,280 px window. Django renders a collapsed inline as <details>/<summary>, so each
    section opens by keyboard without any script of ours.
    """

    extra = 0
    autocomplete_fields = ["source"]
    classes = ["collapse"]

    class Media:
        # Narrows each row's section list to its document (the select works without it). It
        # reads the admin's jQuery once the page has loaded, so needs no place in the order.
        js = ["js/admin-sections.js"]

    # The row kinds an editor adds most: a new row starts on the case's latest document.
    source_defaults_to_latest = False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Inline instances are made anew for every request, so the heading may carry this
        # case's count.
        count = formset.model.objects.filter(**{formset.fk.name: obj}).count() if obj else 0
        self.verbose_name_plural = f"{formset.model._meta.verbose_name_plural}（{count}件）"
        if self.source_defaults_to_latest and obj is not None:
            latest = (
                SourceDocument.objects.filter(citations__case=obj)
                .order_by("-year", "-published_on", "-key")
                .first()
            )
            if latest is not None:
                formset.form.base_fields["source"].initial = latest.pk
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            # A plain select grouped by document, not an autocomplete: Django's autocomplete
            # cannot narrow its search by the row's document (another field of the same row),
            # and a document has a few dozen sections, which a select shows at a glance and
            # opens by keyboard. The model's clean() rejects another document's section.
            kwargs["queryset"] = SourceSection.objects.select_related("source")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.choices = section_choices(request)
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def section_choices(request):
    """Every document's sections, grouped under the document's short title; read once a
    request however many inlines ask."""
    if not hasattr(request, "_section_choices"):
        groups = {}
        sections = SourceSection.objects.select_related("source").order_by(
            "source__year", "source__key", "position", "pk"
        )
        for section in sections:
            groups.setdefault(section.source.short_title, []).append((section.pk, section.label))
        request._section_choices = [("", "---------"), *groups.items()]
    return request._section_choices


class PlaceInline(CaseRowInline):
    model = Place
    autocomplete_fields = ["municipality", "prefecture"]
    fields = [("kind", "name"), ("municipality", "prefecture"), "position"]


class CitationInline(CaseRowInline):
    model = Citation
    source_defaults_to_latest = True
    fields = [
        ("source", "section"),
        ("section_note", "page"),
        "note",
        "origin_as_printed",
        "position",
    ]


class ActorInline(CaseRowInline):
    model = Actor
    source_defaults_to_latest = True
    autocomplete_fields = ["organization", "source"]
    fields = [("organization", "role"), "note", ("source", "section", "section_note", "position")]


class FundingInline(CaseRowInline):
    model = Funding
    autocomplete_fields = ["provider", "source"]
    fields = [
        ("kind", "provider"),
        ("amount_as_printed", "amount_yen"),
        ("date_as_printed", "year", "month"),
        "note",
        ("source", "section", "section_note", "position"),
    ]


class InfrastructureInline(CaseRowInline):
    model = Infrastructure
    fields = [("kind", "name"), "description", ("source", "section", "section_note", "position")]


class KeyFigureInline(CaseRowInline):
    model = KeyFigure
    source_defaults_to_latest = True
    fields = [
        ("kind", "place", "label"),
        ("as_printed", "qualifier", "printed_value", "unit", "text_only"),
        ("as_of_label", "as_of_year", "as_of_month", "undated"),
        ("source", "section", "section_note", "position"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the places of the case being edited.
        if db_field.name == "place":
            case_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Place.objects.filter(case_id=case_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MilestoneInline(CaseRowInline):
    model = Milestone
    fields = [
        ("year", "month", "date_as_printed"),
        "label",
        ("source", "section", "section_note", "position"),
    ]


class ChallengeInline(CaseRowInline):
    model = Challenge
    fields = ["text", ("source", "section", "section_note", "position")]


class CasePointInline(CaseRowInline):
    model = CasePoint
    fields = [("point", "position"), "text", ("source", "section", "section_note")]


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


# Figures and actors as spreadsheets (cases/spreadsheet.py) ------------------------------------


class SpreadsheetRowAdmin(ImportExportMixin, admin.ModelAdmin):
    """One kind of case row listed for export to a spreadsheet and import back from one.

    Rows are edited in their case's form (which keeps the case's index up to date); here they
    are only listed, filtered, exported and imported, and the import refreshes the index of
    every case it changes.
    """

    formats = [CSV, XLSX]
    # Excel reads a UTF-8 CSV as UTF-8 only with the BOM (the site's own CSV has it too).
    to_encoding = "utf-8-sig"
    import_template_name = "admin/cases/spreadsheet_import.html"
    list_display_links = None
    list_filter = ["source", "case__status"]
    search_fields = ["case__title", "case__slug", "section"]
    ordering = ["case__slug", "position", "id"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        # An import adds rows and changes rows: it needs both of the model's permissions (the
        # 編集者 group has them, cases/migrations/0002_editor_group.py).
        opts = self.opts
        return request.user.has_perms(
            [
                f"{opts.app_label}.{get_permission_codename(action, opts)}"
                for action in ("add", "change")
            ]
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        # The confirmed import reads the file again: a row that went bad since the preview (a
        # source deleted meanwhile) must still change nothing.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    @admin.display(description=_("事例"), ordering="case__slug")
    def case_link(self, row):
        url = reverse("admin:cases_case_change", args=[row.case_id])
        return format_html('<a href="{}">{}</a>', url, row.case.title)


@admin.register(KeyFigure)
class KeyFigureAdmin(SpreadsheetRowAdmin):
    resource_classes = [spreadsheet.KeyFigureResource]
    list_display = ["case_link", "label", "as_printed", "as_of", "source", "section"]
    list_select_related = ["case", "source"]
    list_filter = ["source", "kind", "case__status"]

    @admin.display(description=_("時点"))
    def as_of(self, figure):
        return figure.as_of_or_undated


@admin.register(Actor)
class ActorAdmin(SpreadsheetRowAdmin):
    resource_classes = [spreadsheet.ActorResource]
    list_display = ["case_link", "organization", "role", "source", "section"]
    list_select_related = ["case", "organization", "source"]
    list_filter = ["source", "role", "organization__kind", "case__status"]
    search_fields = [*SpreadsheetRowAdmin.search_fields, "organization__name"]


class NeedsReviewFilter(admin.SimpleListFilter):
    """「要確認」: the cases the catalogue audit (cases.audit, manage.py audit_catalogue) faults,
    so that editors find them before publishing."""

    title = _("要確認")
    parameter_name = "audit"

    def lookups(self, request, model_admin):
        return [("problems", _("監査で指摘あり")), ("clean", _("指摘なし"))]

    def queryset(self, request, queryset):
        if self.value() not in ("problems", "clean"):
            return None
        faulted = {problem.case for problem in audit(queryset)}
        if self.value() == "problems":
            return queryset.filter(slug__in=faulted)
        return queryset.exclude(slug__in=faulted)


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
        NeedsReviewFilter,
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
        "title_kana",
        "slug",
        "summary",
        "description",
        "places__name",
        "actors__organization__name",
        "infrastructure__name",
    ]
    prepopulated_fields = {"slug": ["title"]}
    # Autocomplete, not filter_horizontal: its two lists are wide and tall, and axe faults
    # their help icons (aria-label on a span without a role).
    autocomplete_fields = ["themes", "related", "reference_of"]
    actions = ["submit_for_review", "publish", "unpublish"]
    # Status moves through cases.review (the form's buttons, the actions), never typed.
    readonly_fields = ["status"]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}

    fieldsets = [
        (None, {"fields": ["title", "title_kana", "slug", "status", "summary", "description"]}),
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

    def save_model(self, request, obj, form, change):
        # The status moves through cases.review only: not through the form (read-only there)
        # nor through a history revert, which saves an old version's status with its fields.
        if change:
            obj.status = Case.objects.filter(pk=obj.pk).values_list("status", flat=True).get()
        super().save_model(request, obj, form, change)

    # History: the case's rows with its own fields (cases.history) ---------------------------

    object_history_template = "admin/cases/case/object_history.html"
    object_history_list_template = "admin/cases/case/object_history_list.html"

    def render_history_view(self, request, template, context, **kwargs):
        # The list of changes (not the revert form, which renders here too): its records are
        # the objects the list shows (the sliced queryset caches them).
        if "page_obj" in context:
            records = list(context["page_obj"].object_list)
            context["unattached_row_changes"] = (
                history.attach_row_changes(records, context["object"].pk) if records else []
            )
        return super().render_history_view(request, template, context, **kwargs)

    # The review step -------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="cases_case_status",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        if case is not None:
            extra_context = {
                **(extra_context or {}),
                # The audit's findings show as warnings here and stop publishing (cases.review).
                "audit_problems": audit(Case.objects.filter(pk=case.pk)),
                "status_moves": [
                    (move, review.ACTION_LABELS[move]) for move in review.available_moves(case)
                ],
                "publish_problems": (
                    review.publish_problems(case, request.user)
                    if case.status == Case.Status.REVIEW
                    else []
                ),
                "preview_url": reverse("cases:case_preview", kwargs={"slug": case.slug}),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def status_view(self, request, object_id):
        case = get_object_or_404(Case, pk=object_id)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        status = request.POST.get("status", "")
        if status not in Case.Status.values:
            self.message_user(request, _("公開状態の値が正しくありません。"), messages.ERROR)
        else:
            try:
                review.change_status(case, request.user, status)
            except review.ReviewError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("「%(case)s」を「%(status)s」にしました。")
                    % {"case": case.title, "status": case.get_status_display()},
                    messages.SUCCESS,
                )
        return redirect("admin:cases_case_change", case.pk)

    @admin.action(description=_("選択した事例の確認を依頼する"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._set_status(request, queryset, Case.Status.REVIEW)

    @admin.action(description=_("選択した事例を公開する"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Case.Status.PUBLISHED)

    @admin.action(description=_("選択した事例を下書きに戻す"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Case.Status.DRAFT)

    def _set_status(self, request, queryset, status):
        changed = 0
        # One by one, each through the review rules, so each change is recorded in the history.
        for case in queryset.exclude(status=status):
            try:
                review.change_status(case, request.user, status)
            except review.ReviewError as error:
                self.message_user(request, f"{case.title}: {error}", messages.ERROR)
            else:
                changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d 件の事例を更新しました。", "%(count)d 件の事例を更新しました。", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )
