"""The catalogue's domain: case studies, the documents they come from, and what they involve."""

import hashlib
import json
import time
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import search
from .sections import describe
from .text import normalize_organization_name

# A reading as editors enter it: hiragana, the long-vowel mark, spaces (half or full width).
KANA_READING = r"^[\u3041-\u3096\u30fc \u3000]*$"

MIN_YEAR = 1800
MAX_YEAR = 2100


def year_range_q(field):
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": MIN_YEAR, f"{field}__lte": MAX_YEAR}
    )


def month_range_q(field):
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 12})


def plausible_year(field, name):
    return models.CheckConstraint(
        condition=year_range_q(field),
        name=name,
        violation_error_message=_("年は1800年から2100年の間で入力してください。"),
    )


def valid_month(field, name):
    return models.CheckConstraint(
        condition=month_range_q(field),
        name=name,
        violation_error_message=_("月は1から12で入力してください。"),
    )


class NaturalKeyManager(models.Manager):
    """Look records up by the field the fixtures name them by (the model's NATURAL_KEY)."""

    def get_by_natural_key(self, value):
        return self.get(**{self.model.NATURAL_KEY: value})


# Reference data ------------------------------------------------------------------------------


class Region(models.TextChoices):
    """地方: the eight conventional regions, keyed by the JIS X 0401 prefecture code ranges."""

    HOKKAIDO = "hokkaido", _("北海道")
    TOHOKU = "tohoku", _("東北")
    KANTO = "kanto", _("関東")
    CHUBU = "chubu", _("中部")
    KINKI = "kinki", _("近畿")
    CHUGOKU = "chugoku", _("中国")
    SHIKOKU = "shikoku", _("四国")
    KYUSHU = "kyushu", _("九州・沖縄")

    @classmethod
    def for_prefecture_code(cls, code):
        number = int(code)
        for last, region in (
            (1, cls.HOKKAIDO),
            (7, cls.TOHOKU),
            (14, cls.KANTO),
            (23, cls.CHUBU),
            (30, cls.KINKI),
            (35, cls.CHUGOKU),
            (39, cls.SHIKOKU),
            (47, cls.KYUSHU),
        ):
            if number <= last:
                return region
        raise ValueError(f"No prefecture has the code {code!r}.")


class Prefecture(models.Model):
    code = models.CharField(_("都道府県コード"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=10, unique=True)
    kana = models.CharField(_("よみ"), max_length=20, blank=True)
    name_en = models.CharField(_("英語名"), max_length=30, blank=True)
    region = models.CharField(_("地方"), max_length=10, choices=Region)
    lg_code = models.CharField(_("地方公共団体コード"), max_length=6, unique=True)

    NATURAL_KEY = "name"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("都道府県")
        verbose_name_plural = _("都道府県")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class Municipality(models.Model):
    lg_code = models.CharField(
        _("全国地方公共団体コード"),
        max_length=6,
        unique=True,
        help_text=_("6桁（検査数字を含む）"),
    )
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("都道府県"),
    )
    name = models.CharField(_("名称"), max_length=40)
    kana = models.CharField(_("よみ"), max_length=80, blank=True)
    latitude = models.FloatField(_("緯度"), null=True, blank=True)
    longitude = models.FloatField(_("経度"), null=True, blank=True)

    NATURAL_KEY = "lg_code"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["lg_code"]
        verbose_name = _("市区町村")
        verbose_name_plural = _("市区町村")
        constraints = [
            models.CheckConstraint(
                condition=Q(lg_code__regex=r"^[0-9]{6}$"),
                name="municipality_lg_code_six_digits",
                violation_error_message=_("全国地方公共団体コードは6桁の数字です。"),
            ),
        ]

    def __str__(self):
        return f"{self.prefecture.name}{self.name}"

    def natural_key(self):
        return (self.lg_code,)


# Sources and taxonomy ------------------------------------------------------------------------


class SourceDocumentQuerySet(models.QuerySet):
    def public(self):
        """Documents a published case cites: only those are named on public pages."""
        return self.filter(
            models.Exists(
                Citation.objects.filter(
                    source=models.OuterRef("pk"), case__status=Case.Status.PUBLISHED
                )
            )
        )


class SourceDocument(models.Model):
    key = models.SlugField(_("キー"), unique=True, help_text=_("フィクスチャで出典を指す短い名前"))
    title = models.CharField(_("題名"), max_length=300)
    short_title = models.CharField(_("略称"), max_length=80)
    issuer = models.CharField(_("発行者"), max_length=200)
    published_label = models.CharField(
        _("発行日（表記どおり）"), max_length=60, blank=True, help_text=_("例: 平成31年4月26日")
    )
    year = models.PositiveSmallIntegerField(_("発行年"))
    published_on = models.DateField(_("発行日"), null=True, blank=True)
    url = models.URLField(_("URL"), blank=True)
    seed_file = models.CharField(_("テキストファイル"), max_length=100, blank=True)
    summary = models.TextField(_("内容"), blank=True)

    history = HistoricalRecords()

    NATURAL_KEY = "key"
    objects = NaturalKeyManager.from_queryset(SourceDocumentQuerySet)()

    class Meta:
        ordering = ["year", "key"]
        verbose_name = _("出典資料")
        verbose_name_plural = _("出典資料")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="source_year_plausible",
                violation_error_message=_("発行年が範囲外です。"),
            ),
        ]

    def __str__(self):
        return self.short_title

    def natural_key(self):
        return (self.key,)


class SourceSection(models.Model):
    """A section of a source document, as the document numbers and heads it.

    Rows name a section by its key: the number where the document prints one (4.(1)③(ii)),
    else the heading (a 2022 slide has only a title). The page comes from the document's own
    目次 or page numbers, never from a guess.
    """

    source = models.ForeignKey(
        SourceDocument,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("出典資料"),
    )
    position = models.PositiveSmallIntegerField(_("順序"), default=0)
    number = models.CharField(
        _("番号"), max_length=40, blank=True, help_text=_("資料の番号どおり。例: 4.(1)③(ii)")
    )
    heading = models.CharField(_("見出し"), max_length=200, help_text=_("資料の表記どおり"))
    page = models.CharField(
        _("頁"), max_length=20, blank=True, help_text=_("資料の目次や頁番号にあるときだけ")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "position", "id"]
        verbose_name = _("資料の箇所")
        verbose_name_plural = _("資料の箇所")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "number"],
                condition=~Q(number=""),
                name="source_section_number_unique",
                violation_error_message=_("この資料に同じ番号の箇所がすでにあります。"),
            ),
            models.UniqueConstraint(
                fields=["source", "heading"],
                condition=Q(number=""),
                name="source_section_heading_unique",
                violation_error_message=_("この資料に同じ見出しの番号のない箇所がすでにあります。"),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def key(self):
        """How rows (and the fixtures) name the section: its number, or its heading."""
        return self.number or self.heading

    @property
    def label(self):
        """4.(1)③(ii) 長野県伊那市 — number and heading, as far as there are."""
        return describe(self.number, self.heading)


class Theme(models.Model):
    class Origin(models.TextChoices):
        SLIDES_2022 = "2022-slides", _("2022年資料の取組テーマ")
        CATALOGUE = "catalogue", _("カタログ独自の分類")

    key = models.SlugField(_("キー"), unique=True)
    name = models.CharField(_("名称"), max_length=120, unique=True)
    short_name = models.CharField(_("短い名称"), max_length=40)
    origin = models.CharField(_("由来"), max_length=20, choices=Origin)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    history = HistoricalRecords()

    NATURAL_KEY = "key"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("テーマ")
        verbose_name_plural = _("テーマ")

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The name every page, facet and export shows; the full name is the theme's description."""
        return self.short_name or self.name

    def natural_key(self):
        return (self.key,)


class OrganizationQuerySet(models.QuerySet):
    def public(self):
        """Organisations a published case names, as actor or as funder: those with a page."""
        published = {"case__status": Case.Status.PUBLISHED}
        return self.filter(
            models.Exists(Actor.objects.filter(organization=models.OuterRef("pk"), **published))
            | models.Exists(Funding.objects.filter(provider=models.OuterRef("pk"), **published))
        )


class Organization(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("自治体")
        NATIONAL = "national", _("国・公的機関")
        COMPANY = "company", _("民間企業")
        NPO = "npo", _("NPO法人")
        ASSOCIATION = "association", _("一般社団法人・財団法人")
        SOCIAL_WELFARE = "social_welfare", _("社会福祉法人")
        COOPERATIVE = "cooperative", _("協同組合")
        UNIVERSITY = "university", _("大学・研究機関")
        FINANCIAL = "financial", _("金融機関")
        COMMUNITY = "community", _("住民組織・任意団体")
        COUNCIL = "council", _("協議会・コンソーシアム")
        FOREIGN = "foreign", _("海外")
        OTHER = "other", _("その他")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    slug = models.SlugField(
        _("スラッグ"),
        max_length=200,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text=_("空欄なら名称から作ります。URLに使われます。"),
    )
    kind = models.CharField(_("種別"), max_length=20, choices=Kind)
    aliases = models.JSONField(_("別表記"), default=list, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    normalized_name = models.CharField(_("正規化した名称"), max_length=200, editable=False)

    history = HistoricalRecords()

    NATURAL_KEY = "name"
    objects = NaturalKeyManager.from_queryset(OrganizationQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name = _("組織")
        verbose_name_plural = _("組織")
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name"],
                name="organization_normalized_name_unique",
                violation_error_message=_(
                    "表記の違い（全角・半角、空白、株式会社などの法人格）を除くと同じ名称の組織がすでにあります。"
                    "別表記として登録してください。"
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.derive_keys()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cases:organization_detail", kwargs={"slug": self.slug})

    def clean(self):
        self.derive_keys()
        # A JSON string would be taken for a list of its characters; numbers break search.
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) and alias.strip() for alias in self.aliases
        ):
            raise ValidationError(
                {
                    "aliases": _(
                        '別表記は名称のリストで入力してください（例: ["コープさっぽろ"]）。'
                        "別表記がなければ [] です。"
                    )
                }
            )

    def natural_key(self):
        return (self.name,)

    def derive_keys(self):
        """Fill the fields that follow from the name: the dedup key and, if unset, the slug."""
        self.normalized_name = normalize_organization_name(self.name)
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True) or "organization"


# Cases ---------------------------------------------------------------------------------------


class CaseType(models.TextChoices):
    """The 2025 report's 類型 (4.(1)) and its supporting initiatives (4.(2))."""

    COMMONS = "commons", _("共同体（コモンズ）形成型")
    LOCAL_FIRM = "local_firm", _("地場企業牽引型")
    INDUSTRIAL_INNOVATION = "industrial_innovation", _("産業イノベーション創出型")
    FINANCE = "finance", _("支える取組：ファイナンス")
    PROFESSIONAL_TALENT = "professional_talent", _("支える取組：プロフェッショナル人材")


class HubType(models.TextChoices):
    """The 2019 report's two kinds of 知的対流拠点."""

    COWORKING = "coworking", _("コワーキング型拠点")
    RESOURCE_DISCOVERY = "resource_discovery", _("地域資源発掘型拠点")


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Case.Status.PUBLISHED)

    def for_listing(self):
        return self.prefetch_related(
            "themes",
            models.Prefetch(
                "places", queryset=Place.objects.select_related("municipality__prefecture")
            ),
        )

    def for_comparison(self):
        """Fetch everything the comparison table shows, in the same few queries for any number."""
        return self.prefetch_related(
            "themes", *(detail_prefetch(name) for name in COMPARED_RELATIONS)
        )

    def with_row_flags(self):
        """Annotate has_<relation> for every relation the detail page shows."""
        return self.annotate(
            **{
                f"has_{name}": models.Exists(
                    Case._meta.get_field(name).related_model.objects.filter(
                        case=models.OuterRef("pk")
                    )
                )
                for name in DETAIL_RELATIONS
            },
            has_reference_cases=models.Exists(
                Case.objects.published().filter(reference_of=models.OuterRef("pk"))
            ),
        )

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def search(self, query):
        """Keep cases whose indexed text contains every word of the query (cases.search)."""
        return search.search(self, query)


DETAIL_RELATIONS = (
    "places",
    "citations",
    "actors",
    "funding",
    "infrastructure",
    "figures",
    "milestones",
    "challenges",
    "points",
)
# What the comparison page sets side by side: all but the 2022 slides' 課題 and ポイント, which
# only some cases have and which do not line up across cases.
COMPARED_RELATIONS = tuple(
    name for name in DETAIL_RELATIONS if name not in ("challenges", "points")
)
# Small text-only relations the detail page reads together, in one query (see case_outline).
OUTLINE_RELATIONS = ("challenges", "points", "milestones")


def case_outline(case):
    """Return the case's challenges, points and milestones, fetched in one UNION query."""
    integer, text = models.IntegerField(), models.TextField()

    def column(expression, field):
        # Every column an explicit cast, so that the three SELECTs line up by position and type.
        return Cast(expression, output_field=field)

    def rows(model, kind, point=None, year=None, month=None, date="", *, body):
        return (
            model.objects.filter(case=case)
            .order_by()
            .values(
                o_kind=column(models.Value(kind), text),
                o_point=column(point or models.Value(None), integer),
                o_year=column(year or models.Value(None), integer),
                o_month=column(month or models.Value(None), integer),
                o_date=column(date or models.Value(""), text),
                o_body=column(body, text),
                o_source=column(models.F("source__short_title"), text),
                # Which document, for the differences between documents (cases.differences).
                o_source_key=column(models.F("source__key"), text),
                # The section as pages show it (cases.sections.describe), from its parts.
                o_section_number=column(models.F("section__number"), text),
                o_section_heading=column(models.F("section__heading"), text),
                o_section_note=column(models.F("section_note"), text),
                o_section_page=column(models.F("section__page"), text),
                o_position=column(models.F("position"), integer),
                o_id=column(models.F("id"), integer),
            )
        )

    query = rows(Challenge, "challenges", body=models.F("text")).union(
        rows(CasePoint, "points", point=models.F("point"), body=models.F("text")),
        rows(
            Milestone,
            "milestones",
            year=models.F("year"),
            month=models.F("month"),
            date=models.F("date_as_printed"),
            body=models.F("label"),
        ),
        all=True,
    )
    outline = {name: [] for name in OUTLINE_RELATIONS}
    for row in query:
        item = {key.removeprefix("o_"): value for key, value in row.items()}
        item["section"] = describe(
            *(item.pop(f"section_{part}") for part in ("number", "heading", "note", "page"))
        )
        if item["point"] is not None:
            item["point_label"] = CasePoint.Point(item["point"]).label
        outline[item["kind"]].append(item)
    outline["challenges"].sort(key=lambda r: (r["position"], r["id"]))
    outline["points"].sort(key=lambda r: (r["point"], r["position"], r["id"]))
    outline["milestones"].sort(key=lambda r: (r["year"], r["month"] or 0, r["position"], r["id"]))
    return outline


def detail_prefetch(name):
    """Return the Prefetch the detail page uses for one of DETAIL_RELATIONS."""
    related = {
        "places": ("municipality__prefecture", "prefecture"),
        "actors": ("organization", "source", "section"),
        "funding": ("provider", "source", "section"),
        "figures": ("place", "source", "section"),
    }.get(name, ("source", "section"))
    model = Case._meta.get_field(name).related_model
    return models.Prefetch(name, queryset=model.objects.select_related(*related))


class Case(models.Model):
    class Status(models.TextChoices):
        # Only PUBLISHED is public; every public query asks for it (CaseQuerySet.published()).
        DRAFT = "draft", _("下書き")
        REVIEW = "review", _("確認待ち")
        PUBLISHED = "published", _("公開")

    class Kind(models.TextChoices):
        """What a record is: a local initiative, a national scheme, or a model the documents
        present for reference (a foreign legal form, a concept, a working group's topic)."""

        CASE = "case", _("事例")
        SCHEME = "scheme", _("制度・施策")
        REFERENCE = "reference", _("参考モデル・概念")

    slug = models.SlugField(_("スラッグ"), max_length=100, unique=True)
    title = models.CharField(_("事例名"), max_length=200)
    # The 「事例名」 sort is 五十音 order of this reading (cases.indexing.title_order_key).
    title_kana = models.CharField(
        _("事例名のよみ"),
        max_length=400,
        blank=True,
        validators=[
            RegexValidator(
                KANA_READING,
                message=_("よみは、ひらがな・長音（ー）・空白だけで入力してください。"),
            )
        ],
        help_text=_(
            "事例名の読みをひらがなで（例: ながのけんいなし）。"
            "株式会社・一般社団法人などの法人格は読まず、名称の読みだけを入れます。"
        ),
    )
    summary = models.TextField(_("要約"))
    description = models.TextField(_("説明"), blank=True)
    approach = models.TextField(
        _("課題解決に向けた取組方針"), blank=True, help_text=_("2022年資料の取組方針の要約")
    )
    editor_note = models.TextField(
        _("編集者注"),
        blank=True,
        help_text=_("抽出誤りの訂正や留意点。公開ページにも表示されます。"),
    )
    status = models.CharField(_("公開状態"), max_length=10, choices=Status, default=Status.DRAFT)
    type_2025 = models.CharField(
        _("類型（2025年報告書）"), max_length=30, choices=CaseType, blank=True
    )
    hub_type_2019 = models.CharField(
        _("拠点の類型（2019年）"), max_length=30, choices=HubType, blank=True
    )
    kind = models.CharField(_("種別"), max_length=10, choices=Kind, default=Kind.CASE)
    # A case a document prints as another's 参考事例 (003: ナスコンバレー under SUNDRED). Its own
    # type_2025 stays blank, as the report's table of classified cases has it; the 類型 facet
    # follows the link.
    # SET_NULL: deleting the case leaves the label, which the audit then reports.
    reference_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reference_cases",
        verbose_name=_("参考事例として掲げる事例"),
    )
    reference_label = models.CharField(
        _("参考事例の表記"), max_length=40, blank=True, help_text=_("例: 参考事例①")
    )
    start_year = models.PositiveSmallIntegerField(_("開始年"), null=True, blank=True)
    themes = models.ManyToManyField(
        Theme, related_name="cases", verbose_name=_("テーマ"), blank=True
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("関連事例"))

    # Derived by refresh_index(); never edited by hand.
    search_text = models.TextField(editable=False, default="")
    # The title as search matches it: relevance puts the cases it matches first.
    search_title = models.TextField(editable=False, default="")
    population = models.PositiveIntegerField(_("人口（記載値）"), null=True, editable=False)
    latest_source_year = models.PositiveSmallIntegerField(null=True, editable=False)
    # The lowest JIS code among its places' prefectures: the 都道府県順 sort ("" for none).
    prefecture_code = models.CharField(max_length=2, blank=True, editable=False, default="")

    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    # When the case was published or last changed in a way its page shows: the feed's order
    # and each entry's <updated>. updated_at moves on every save, even one that changes nothing
    # a reader sees (a re-load of the fixtures); this moves only when content_digest does.
    content_changed_at = models.DateTimeField(
        _("公開内容の更新日時"), null=True, editable=False, db_index=True
    )
    # A hash of the case's record as its fixture file holds it (see refresh_index()).
    content_digest = models.CharField(max_length=64, editable=False, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "search_text",
            "search_title",
            "population",
            "latest_source_year",
            "prefecture_code",
            "content_changed_at",
            "content_digest",
        ]
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("事例")
        verbose_name_plural = _("事例")
        # Publishing is a step of its own (cases.review): who may take it is a permission.
        permissions = [("publish_case", _("事例を公開できる"))]
        constraints = [
            models.CheckConstraint(
                condition=year_range_q("start_year"),
                name="case_start_year_plausible",
                violation_error_message=_("開始年は1800年から2100年の間で入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                name="case_slug_ascii_kebab",
                violation_error_message=_(
                    "スラッグは半角英小文字・数字とハイフンで書いてください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(reference_of__isnull=True) | ~Q(reference_label=""),
                name="case_reference_has_label",
                violation_error_message=_("参考事例の表記（例: 参考事例①）も入れてください。"),
            ),
        ]
        indexes = [models.Index(fields=["status", "title"], name="case_status_title_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Publishing (first time or again) is a change readers see, whatever the rows hold.
        if self.status == self.Status.PUBLISHED and (
            getattr(self, "_loaded_status", None) != self.status or self.content_changed_at is None
        ):
            self.content_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "content_changed_at"}
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def get_absolute_url(self):
        return reverse("cases:case_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        # One level only: the documents print 参考事例 under a classified case, never under
        # another 参考事例, and the 類型 facet follows one link.
        other = self.reference_of
        if other is not None and (other.pk == self.pk or other.reference_of_id is not None):
            raise ValidationError(
                {
                    "reference_of": _(
                        "参考事例を掲げる事例には、参考事例でない別の事例を選んでください。"
                    )
                }
            )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if "status" in field_names:
            instance._loaded_status = instance.status
        return instance

    def reader_digest(self):
        """Hash what the case's page shows: its record as the fixture file holds it."""
        from .fixtures import case_record  # the fixture pipeline imports this module

        record = case_record(self)
        # Publishing is dated by save(); the digest follows only what a published page shows.
        record.pop("status")
        # The reading orders the list; the page does not show it.
        record.pop("title_kana", None)
        record = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(record.encode()).hexdigest()

    def refresh_index(self):
        """Recompute the search text, facet memberships and sort keys from the case's rows."""
        # cases.indexing derives them from these models, so it can only be imported once they
        # are defined; every caller of refresh_index() runs long after that.
        from .indexing import refresh

        # One transaction: the version bump that refresh() writes and the date the feed orders
        # by become visible together, so no process takes the change into its index with the
        # old date. Its 参考事例 are found under its 類型 (cases.facets.TypeFacet): re-derive
        # them too.
        with transaction.atomic():
            refresh(type(self).objects.filter(Q(pk=self.pk) | Q(reference_of=self)))
            self.refresh_from_db(fields=INDEXED_FIELDS)
            self.note_content_change()

    def note_content_change(self):
        """Date a change readers see: the record of a published case differs from last time.

        Only here, for one case at a time (admin saves, the loader): `manage.py reindex` and
        bulk generation change how cases are indexed, not what their pages say.
        """
        digest = self.reader_digest()
        # The first digest is a baseline (cases from before the field, filled by migration
        # 0009): only a later difference is a change readers see.
        if (
            self.content_digest
            and digest != self.content_digest
            and self.status == self.Status.PUBLISHED
        ):
            self.content_changed_at = timezone.now()
        self.content_digest = digest
        type(self).objects.filter(pk=self.pk).update(
            content_digest=self.content_digest, content_changed_at=self.content_changed_at
        )


# The columns refresh_index() writes (cases.indexing derives them).
INDEXED_FIELDS = (
    "search_text",
    "search_title",
    "population",
    "latest_source_year",
    "prefecture_code",
)


class CatalogueVersion(models.Model):
    """A token that changes whenever what the public pages show changes.

    Each process keeps an in-memory facet index (cases.facets.index) and brings it up to date
    when the token differs from the one it was built at, from the IndexChange rows written with
    each new token; rendered case pages are cached under it. A random token, not a counter, so
    that a rolled-back transaction also returns to a token that matches its data.
    """

    token = models.CharField(max_length=32)

    # Every public page reads the token, and at many readers a second the query was a large
    # part of a cached page's cost: a process reads it at most once in this many seconds. An
    # edit reaches the other processes that much later (the pages' own max-age is 60 s); the
    # process that made it forgets the token on commit. Only outside a transaction: a token
    # read inside one may yet be rolled back.
    REUSE_SECONDS = 1.0
    # (database alias, token, until): replaced whole, so threads never see half of it. Keyed by
    # the alias the read goes to: with a replica, a request pinned to the primary may read a
    # newer token than readers see, and an index built from the replica must not take it.
    _reused = (None, None, 0.0)

    def __str__(self):
        return self.token

    @classmethod
    def current(cls):
        alias = router.db_for_read(cls)
        reusable = not cls.inside_transaction()
        reused_alias, reused_token, until = cls._reused
        if reusable and reused_alias == alias and time.monotonic() < until:
            return reused_token
        token = cls.objects.filter(pk=1).values_list("token", flat=True).first()
        if token is None:
            token = cls.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[0].token
        if reusable:
            cls._reused = (alias, token, time.monotonic() + cls.REUSE_SECONDS)
        return token

    @classmethod
    def inside_transaction(cls):
        return transaction.get_connection(router.db_for_read(cls)).in_atomic_block

    @classmethod
    def forget(cls):
        """Read the token afresh next time (this process changed it)."""
        cls._reused = (None, None, 0.0)

    @classmethod
    def bump(cls, case_ids=None):
        """Give the catalogue a new token; case_ids names the only cases that changed, if known.

        Without case_ids, processes rebuild their index from scratch (a theme renamed, a
        catalogue loaded); with them, they apply just those cases.
        """
        with transaction.atomic():
            # Locking the version row until commit makes concurrent bumps queue here, so their
            # IndexChange ids, taken below, ascend in commit order: a process that has read the
            # changes up to one id never sees a lower one committed later.
            version = cls.objects.select_for_update().filter(pk=1).first()
            parent = version.token if version else ""
            if version:
                version.token = uuid.uuid4().hex
                version.save(update_fields=["token"])
            else:
                cls.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
            if case_ids is not None:
                IndexChange.objects.bulk_create(
                    IndexChange(case_pk=pk, parent=parent) for pk in set(case_ids)
                )
            if case_ids is None or IndexChange.objects.count() > IndexChange.KEPT:
                full = IndexChange.objects.create(case_pk=None, parent=parent)
                # Every process that had not read these must rebuild anyway.
                IndexChange.objects.filter(pk__lt=full.pk).delete()
            transaction.on_commit(cls.forget)
        cls.forget()  # also now: a reader in this transaction must not get the old token


class IndexChange(models.Model):
    """What changed with a new catalogue token: one case, or everything (case_pk empty)."""

    # Not a foreign key: a deleted case must still be taken out of the index.
    case_pk = models.BigIntegerField(null=True)
    # The token the catalogue had before this change. A process applies changes only if the
    # first one it has not read follows the token its index was built at: ids taken in a
    # transaction that rolled back can be taken again (SQLite), and a change the process never
    # saw must not be mistaken for one that follows its index.
    parent = models.CharField(max_length=32, blank=True, default="")

    # Past this many rows, a bump marks everything changed and clears the older ones: processes
    # rebuild once in that many edits, and the table stays small.
    KEPT = 10_000

    def __str__(self):
        return f"case {self.case_pk}" if self.case_pk is not None else "everything"


class CaseFacet(models.Model):
    """One (facet, value) a case belongs to: the denormalised table behind browse counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facet_values")
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "facet", "value"], name="case_facet_value_unique"
            ),
        ]
        indexes = [models.Index(fields=["facet", "value", "case"], name="casefacet_lookup_idx")]

    def __str__(self):
        return f"{self.facet}={self.value}"


class CaseRow(models.Model):
    """A fact about a case, traced to a document and the section it comes from."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, verbose_name=_("事例"))
    position = models.PositiveSmallIntegerField(_("順序"), default=0)
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, verbose_name=_("出典"), related_name="+"
    )
    section = models.ForeignKey(
        SourceSection,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("出典の箇所"),
        help_text=_("出典資料の箇所から選ぶ"),
    )
    section_note = models.CharField(
        _("箇所の補足"),
        max_length=200,
        blank=True,
        help_text=_("箇所の中の図表・参考事例など。例: 参考事例①"),
    )

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def clean(self):
        super().clean()
        # A database constraint cannot span the two tables: the form and the loader check it.
        if self.source_id and self.section_id and self.section.source_id != self.source_id:
            raise ValidationError(
                {"section": _("出典資料の箇所から選んでください（別の資料の箇所です）。")}
            )

    @property
    def section_key(self):
        """The section as the rows' text has always named it: 4.(1)③(i) 参考事例①."""
        try:
            key = self.section.key
        except SourceSection.DoesNotExist:
            # A past version (history) whose section has since been deleted, or never matched.
            key = ""
        return " ".join(filter(None, (key, self.section_note)))

    @property
    def section_display(self):
        """Number, heading, note and page of the section: what public pages show."""
        section = self.section
        return describe(section.number, section.heading, self.section_note, section.page)


class Place(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("市区町村")
        DISTRICT = "district", _("地区")
        AREA = "area", _("広域・地域")
        PREFECTURE = "prefecture", _("都道府県")
        NATIONWIDE = "nationwide", _("全国")
        FOREIGN = "foreign", _("海外")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="places")
    position = models.PositiveSmallIntegerField(_("順序"), default=0)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind)
    name = models.CharField(_("名称（資料の表記）"), max_length=100)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("市区町村"),
    )
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("都道府県"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("場所")
        verbose_name_plural = _("場所")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "name"],
                name="place_name_unique_per_case",
                violation_error_message=_("同じ事例に同じ名称の場所が二つあります。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="municipality") | Q(municipality__isnull=False),
                name="place_municipality_has_code",
                violation_error_message=_("種別が市区町村の場所には市区町村を選んでください。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="prefecture") | Q(prefecture__isnull=False),
                name="place_prefecture_has_prefecture",
                violation_error_message=_("種別が都道府県の場所には都道府県を選んでください。"),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.municipality_id and not self.prefecture_id:
            self.prefecture_id = self.municipality.prefecture_id
        super().save(*args, **kwargs)


class Challenge(CaseRow):
    """地域が直面する課題, as the 2022 slides list them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="challenges")
    text = models.CharField(_("課題"), max_length=300)

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("地域が直面する課題")
        verbose_name_plural = _("地域が直面する課題")

    def __str__(self):
        return self.text


class CasePoint(CaseRow):
    """One of the four ポイント the 2022 slides draw from a case."""

    class Point(models.IntegerChoices):
        PUBLIC_PRIVATE = 1, _("①民の力を最大限発揮する官民共創")
        DIGITAL = 2, _("②デジタルの徹底活用")
        CONVENIENCE = 3, _("③生活者・事業者の利便の最適化")
        CROSS_SECTOR = 4, _("④分野の垣根を越える横串の発想")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="points")
    point = models.PositiveSmallIntegerField(_("ポイント"), choices=Point)
    text = models.TextField(_("内容"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["point", "position", "id"]
        verbose_name = _("ポイント")
        verbose_name_plural = _("ポイント")

    def __str__(self):
        return self.get_point_display()


class Citation(CaseRow):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="citations", verbose_name=_("出典")
    )
    page = models.CharField(_("頁"), max_length=20, blank=True)
    note = models.TextField(_("この資料が述べること"), blank=True)
    # The 2018 sheets have no title or issuer of their own; each sheet prints where it comes
    # from (出典：…), and a citation of it quotes that.
    origin_as_printed = models.CharField(
        _("資料が記す出典"),
        max_length=200,
        blank=True,
        help_text=_("資料そのものが記す出典の表記（例: 梼原町資料抜粋）"),
    )

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("出典")
        verbose_name_plural = _("出典")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "section", "section_note"],
                name="citation_unique_per_section",
                violation_error_message=_("同じ資料の同じ箇所がすでに出典に挙がっています。"),
            ),
        ]

    def __str__(self):
        return f"{self.source}（{self.section_key}）"

    @property
    def cited_page(self):
        """The citation's own page where it has one (it is the more precise), else the
        page where the document's 目次 says the section starts."""
        return self.page or self.section.page

    @property
    def section_display(self):
        section = self.section
        return describe(
            section.number,
            section.heading,
            self.section_note,
            self.cited_page,
            exact_page=bool(self.page),
        )

    def citation_line(self):
        """Return a line to paste into a document: 発行者『題名』(発行日) 番号 見出し 頁."""
        date = self.source.published_label or f"{self.source.year}年"
        origin = f"（出典：{self.origin_as_printed}）" if self.origin_as_printed else ""
        return (
            f"{self.source.issuer}「{self.source.title}」（{date}）{self.section_display}{origin}"
        )


class Actor(CaseRow):
    class Role(models.TextChoices):
        OPERATOR = "operator", _("運営主体")
        FOUNDER = "founder", _("設立・発起")
        # Named by a document only as where founding directors or members came from
        # (設立時理事・設立時社員の選出元): neither founder nor investor.
        FOUNDING_OFFICERS = "founding_officers", _("設立時の理事・社員を出す")
        INVESTOR = "investor", _("出資")
        PARTNER = "partner", _("連携")
        SUPPORTER = "supporter", _("支援")
        MEMBER = "member", _("会員・参加")
        CLIENT = "client", _("委託元")
        CONTRACTOR = "contractor", _("受託・実施")
        OTHER = "other", _("その他")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actors")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="roles", verbose_name=_("組織")
    )
    role = models.CharField(_("役割"), max_length=20, choices=Role)
    note = models.CharField(_("補足"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("関係主体")
        verbose_name_plural = _("関係主体")

    def __str__(self):
        return f"{self.organization}（{self.get_role_display()}）"


class Funding(CaseRow):
    class Kind(models.TextChoices):
        MEMBERSHIP_FEE = "membership_fee", _("会費")
        EQUITY = "equity", _("出資")
        DONATION = "donation", _("寄付")
        SUBSIDY = "subsidy", _("補助金・交付金")
        MANAGEMENT_FEE = "management_fee", _("指定管理料")
        CORPORATE_FURUSATO_TAX = "corporate_furusato_tax", _("企業版ふるさと納税")
        FURUSATO_TAX = "furusato_tax", _("ふるさと納税")
        FUND_INVESTMENT = "fund_investment", _("ファンド投資")
        LOAN = "loan", _("融資")
        BUSINESS_REVENUE = "business_revenue", _("事業収益")
        USAGE_FEE = "usage_fee", _("利用料")
        LICENSE_FEE = "license_fee", _("ライセンス料")
        PFI = "pfi", _("PFI・PPP")
        CROWDFUNDING = "crowdfunding", _("クラウドファンディング")
        OTHER = "other", _("その他")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="funding")
    kind = models.CharField(_("種別"), max_length=30, choices=Kind)
    provider = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_provided",
        verbose_name=_("拠出者"),
    )
    amount_yen = models.PositiveBigIntegerField(_("金額（円）"), null=True, blank=True)
    amount_as_printed = models.CharField(_("金額（資料の表記）"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("年"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("月"), null=True, blank=True)
    date_as_printed = models.CharField(_("時期（資料の表記）"), max_length=60, blank=True)
    note = models.CharField(_("補足"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("資金")
        verbose_name_plural = _("資金")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_yen__isnull=True) | Q(amount_yen__gte=0),
                name="funding_amount_non_negative",
                violation_error_message=_("金額は0以上で入力してください。"),
            ),
            plausible_year("year", "funding_year_plausible"),
            valid_month("month", "funding_month_valid"),
        ]

    def __str__(self):
        return self.get_kind_display()


class Infrastructure(CaseRow):
    class Kind(models.TextChoices):
        DIGITAL_PLATFORM = "digital_platform", _("デジタルプラットフォーム・アプリ")
        DATA_PLATFORM = "data_platform", _("データ連携基盤")
        FACILITY = "facility", _("施設・拠点")
        TRANSPORT = "transport", _("交通サービス")
        ENERGY = "energy", _("エネルギー")
        NETWORK = "network", _("通信ネットワーク")
        OTHER = "other", _("その他")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="infrastructure")
    kind = models.CharField(_("種別"), max_length=20, choices=Kind)
    name = models.CharField(_("名称（資料の表記）"), max_length=200)
    description = models.TextField(_("説明"), blank=True)

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("基盤・施設")
        verbose_name_plural = _("基盤・施設")

    def __str__(self):
        return self.name


class KeyFigure(CaseRow):
    class Kind(models.TextChoices):
        POPULATION = "population", _("人口")
        AREA = "area", _("面積")
        OTHER = "other", _("その他")

    class Qualifier(models.TextChoices):
        NONE = "", _("（なし）")
        APPROX = "約", _("約")
        AT_LEAST = "以上", _("以上")
        OVER = "超", _("超")
        UNDER = "未満", _("未満")
        AT_MOST = "以下", _("以下")
        AROUND = "程度", _("程度")
        STRONG = "強", _("強")
        WEAK = "弱", _("弱")
        ODD = "余", _("余")
        APPROX_AT_LEAST = "約・以上", _("約・以上")
        APPROX_OVER = "約・超", _("約・超")
        # An upper bound the document states as 最大 (最大12時間): not the exact figure.
        MAXIMUM = "最大", _("最大")

    # Units whose figures can be read as a number of people, for population bands and sorting.
    PEOPLE_MULTIPLIERS = {"人": 1, "名": 1, "千人": 1_000, "万人": 10_000}

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="figures")
    place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name=_("場所"),
    )
    kind = models.CharField(_("種別"), max_length=20, choices=Kind, default=Kind.OTHER)
    label = models.CharField(_("項目"), max_length=200)
    qualifier = models.CharField(_("修飾"), max_length=10, choices=Qualifier, blank=True)
    # The number exactly as printed ('383.0', '14.5'): what editors enter and the files hold.
    # `value` is derived from it on save, for sorting, bands and comparison.
    printed_value = models.CharField(
        _("数値（資料の表記どおり）"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(
                r"^\d+(\.\d+)?$",
                _("数値は資料の表記どおり半角数字で（例: 383.0, 14.5）。"),
            )
        ],
    )
    value = models.DecimalField(
        _("数値"), max_digits=20, decimal_places=4, null=True, blank=True, editable=False
    )
    text_only = models.BooleanField(
        _("表記のみ"),
        default=False,
        help_text=_("数値として比較・集計しない表記（比・複合の数・時間など）"),
    )
    unit = models.CharField(_("単位"), max_length=30, blank=True)
    as_printed = models.CharField(_("資料の表記"), max_length=200)
    as_of_label = models.CharField(_("時点（資料の表記）"), max_length=60, blank=True)
    as_of_year = models.PositiveSmallIntegerField(_("時点（年）"), null=True, blank=True)
    as_of_month = models.PositiveSmallIntegerField(_("時点（月）"), null=True, blank=True)
    undated = models.BooleanField(
        _("時点の記載なし"), default=False, help_text=_("資料に時点が書かれていない数値")
    )

    history = HistoricalRecords()

    class Meta(CaseRow.Meta):
        verbose_name = _("主な数値")
        verbose_name_plural = _("主な数値")
        constraints = [
            models.CheckConstraint(
                condition=Q(undated=True) | Q(as_of_year__isnull=False),
                name="key_figure_dated_or_undated",
                violation_error_message=_(
                    "時点（年）を入れるか、「時点の記載なし」にしてください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="key_figure_value_non_negative",
                violation_error_message=_("数値は0以上で入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(text_only=False) | Q(printed_value="", value__isnull=True),
                name="key_figure_text_only_has_no_value",
                violation_error_message=_("「表記のみ」の数値には数値を入れないでください。"),
            ),
            plausible_year("as_of_year", "key_figure_year_plausible"),
            valid_month("as_of_month", "key_figure_month_valid"),
        ]

    def __str__(self):
        return f"{self.label}: {self.as_printed}"

    def save(self, *args, **kwargs):
        self.value = self.number(self.printed_value)
        super().save(*args, **kwargs)

    def clean(self):
        # The constraints judge `value`: derive it from the printed number first, as save() does.
        self.value = self.number(self.printed_value)

    @staticmethod
    def number(printed_value):
        """The decimal behind a printed number; None for none (or one validation rejects)."""
        try:
            return Decimal(printed_value) if printed_value else None
        except InvalidOperation:
            return None

    @property
    def people(self):
        """The figure as a number of people, when its unit allows (約4千人 -> 4000)."""
        return self.people_in(self.value, self.unit)

    @classmethod
    def people_in(cls, value, unit):
        """A value and unit as a number of people, or None when the unit is not people."""
        multiplier = cls.PEOPLE_MULTIPLIERS.get(unit)
        if multiplier is None or value is None:
            return None
        return int(Decimal(value) * multiplier)

    @property
    def as_of_or_undated(self):
        """The figure's date for a reader, saying so when the document gives none."""
        return _("時点の記載なし") if self.undated else self.as_of_display

    @property
    def as_of_display(self):
        if self.as_of_label:
            return self.as_of_label
        if self.as_of_year:
            return (
                f"{self.as_of_year}年{self.as_of_month}月"
                if self.as_of_month
                else f"{self.as_of_year}年"
            )
        return ""


class Milestone(CaseRow):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones")
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"), null=True, blank=True)
    date_as_printed = models.CharField(_("時期（資料の表記）"), max_length=60, blank=True)
    label = models.CharField(_("出来事"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "month", "position", "id"]
        verbose_name = _("経緯")
        verbose_name_plural = _("経緯")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="milestone_year_plausible",
                violation_error_message=_("年は1800年から2100年の間で入力してください。"),
            ),
            valid_month("month", "milestone_month_valid"),
        ]

    def __str__(self):
        return f"{self.year} {self.label}"


class CommonFactor(models.Model):
    """One of the 共通項 the 2025 report draws from its cases (4.(3) ①〜⑥)."""

    number = models.PositiveSmallIntegerField(_("番号"), unique=True)
    name = models.CharField(_("共通項（資料の表記）"), max_length=100, unique=True)
    summary = models.TextField(_("要約"))
    source = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        related_name="common_factors",
        verbose_name=_("出典"),
    )
    section = models.CharField(_("箇所"), max_length=200)
    page = models.CharField(_("頁"), max_length=20, blank=True)
    # How the report ties the factor to cases, said once for all its links: the report draws
    # every factor from 「これらの具体的な事例」 as a group and names no case for any.
    basis = models.TextField(_("事例との関係"))
    cases = models.ManyToManyField(
        Case, related_name="common_factors", blank=True, verbose_name=_("導出元の事例群")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("共通項")
        verbose_name_plural = _("共通項")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=20),
                name="common_factor_number_plausible",
                violation_error_message=_("番号は1から20で入力してください。"),
            ),
        ]

    def __str__(self):
        return f"{self.marker}{self.name}"

    def get_absolute_url(self):
        return reverse("cases:common_factors") + f"#factor-{self.number}"

    @property
    def marker(self):
        """The number as the report prints it: ①, ②, …"""
        return chr(0x2460 + self.number - 1)
