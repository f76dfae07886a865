"""Audit of the curated data: the rules of fixtures/README.md that no database constraint holds.

Each check is a small function that takes a case (fetched by `audited_cases()`) and yields
`Problem`s. `audit()` runs them all. The checks read only through `cases.models`, so they judge
what the catalogue holds whichever way it was loaded or edited (fixtures or the admin).

`manage.py audit_catalogue` prints the problems per case; the curated catalogue has none.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Prefetch

from .models import DETAIL_RELATIONS, Actor, Case, KeyFigure, Organization, Place

# Every kind of row that names a document and its section (all but places).
SOURCED_RELATIONS = tuple(name for name in DETAIL_RELATIONS if name != "places")

# A case whose documents state no place has no Place rows, and its editor_note says so in
# these words. The integrity tests accept a case without places only then.
NO_PLACE_STATED = "所在地の記載なし"

# Words that betray a place row standing in for "the document names no place".
PSEUDO_PLACE_WORDS = ("記載なし", "不明", "未定", "なし")

# Units as the catalogue writes them. A document's full-width ％ or ㎡ is written % or m²
# (as_printed keeps the document's own character). The empty unit is a bare count (100 以上).
UNITS = frozenset(
    {
        "",
        "%",
        "割",
        "倍",
        "人",
        "名",
        "千人",
        "万人",
        "世帯",
        "万世帯",
        "家族",
        "戸",
        "万戸",
        "円",
        "万円",
        "億円",
        "km²",
        "m²",
        "個分",
        "年",
        "時間",
        "回",
        "件",
        "社",
        "団体",
        "自治体",
        "市区町村",
        "町村",
        "町",
        "州",
        "箇所",
        "ヶ所",
        "拠点",
        "店舗",
        "ステーション",
        "部会",
        "事業",
        "言語",
        "枚",
        "個",
        "つ",
    }
)
UNIT_SPELLINGS = {"％": "%", "㎡": "m²", "km2": "km²", "m2": "m²"}

# How the documents print each qualifier. 約 and 最大 stand before the number; the others
# follow it (or its unit), sometimes as a verb: 100名を超える, 8万人を下回り, 7千人足らず.
QUALIFIER_WORDS = {
    "約": ("約",),
    "最大": ("最大",),
    "以上": ("以上",),
    "超": ("超",),
    "未満": ("未満", "下回", "足らず"),
    "以下": ("以下",),
    "程度": ("程度",),
    "強": ("強",),
    "弱": ("弱",),
    "余": ("余",),
}
PREFIX_QUALIFIERS = ("約", "最大")

# Roles an organisation of a kind does not take in these documents. A national body supports,
# commissions or joins; it does not found, fund as an investor, run or carry out a local case.
# An overseas body is a reference, not a party. A municipality is never a contractor.
IMPLAUSIBLE_ROLES = {
    Organization.Kind.NATIONAL: {
        Actor.Role.FOUNDER,
        Actor.Role.FOUNDING_OFFICERS,
        Actor.Role.INVESTOR,
        Actor.Role.OPERATOR,
        Actor.Role.CONTRACTOR,
    },
    Organization.Kind.FOREIGN: {
        Actor.Role.FOUNDER,
        Actor.Role.FOUNDING_OFFICERS,
        Actor.Role.INVESTOR,
        Actor.Role.OPERATOR,
        Actor.Role.CLIENT,
        Actor.Role.CONTRACTOR,
    },
    Organization.Kind.MUNICIPALITY: {Actor.Role.CONTRACTOR},
    Organization.Kind.COMMUNITY: {Actor.Role.INVESTOR, Actor.Role.CLIENT},
}

# A milestone that says one of the case's operators was founded (「一般社団法人co.shigaを設立」).
# Its year is the case's start_year: fixtures/README.md gives start_year that one meaning. A
# study or a commissioned project before the founding stays a milestone only.
FOUNDING = r"[」』]?(?:を|が)?(?:設立|発足|創設|創業|開設|開業|設置|立ち上げ|立ち上が)"

NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, order=True)
class Problem:
    case: str
    check: str
    message: str

    def __str__(self):
        return f"{self.case}: [{self.check}] {self.message}"


def audited_cases(queryset=None):
    """Return the cases with every row the checks read, in a fixed number of queries."""
    queryset = Case.objects.all() if queryset is None else queryset
    other_rows = {
        name: Prefetch(name, queryset=Case._meta.get_field(name).related_model.objects.all())
        for name in SOURCED_RELATIONS
    }
    other_rows["figures"] = Prefetch(
        "figures", queryset=KeyFigure.objects.order_by("position", "id")
    )
    other_rows["actors"] = Prefetch("actors", queryset=Actor.objects.select_related("organization"))
    for prefetch in other_rows.values():
        # check_sections compares each row's document with its section's.
        prefetch.queryset = prefetch.queryset.select_related("section")
    # Whatever the caller prefetched (the admin: citations with their sources) gives way.
    return (
        queryset.order_by("slug")
        .prefetch_related(None)
        .prefetch_related("places", *other_rows.values())
    )


def _flat(text):
    """The text as the checks compare it: NFKC, without digit grouping or spaces."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[,\s]", "", text)


def _number_pattern(printed_value):
    """The number exactly as stored: 383 does not match a printed 383.0, nor 14 a 14.5."""
    return rf"(?<![\d.]){re.escape(printed_value)}(?!\d|\.\d)"


def _qualifier_markers(text):
    return {
        qualifier for qualifier, words in QUALIFIER_WORDS.items() if any(w in text for w in words)
    }


def check_figures(case):
    """Each figure's as_printed can be rebuilt from its value, qualifier and unit."""
    for figure in case.figures.all():
        label = f"{figure.label}「{figure.as_printed}」"
        printed = _flat(figure.as_printed)
        qualifiers = [q for q in figure.qualifier.split("・") if q]
        unknown = [q for q in qualifiers if q not in QUALIFIER_WORDS]
        if figure.qualifier not in KeyFigure.Qualifier.values or unknown:
            yield Problem(case.slug, "qualifier", f"{label}: 修飾「{figure.qualifier}」は選択肢外")
            continue
        marked = _qualifier_markers(printed)
        if set(qualifiers) != marked:
            yield Problem(
                case.slug,
                "qualifier",
                f"{label}: 修飾「{figure.qualifier}」と表記の"
                f"「{'・'.join(sorted(marked))}」が合わない",
            )
        if figure.text_only:
            # Never compared or charted: the printed text is the whole figure.
            if figure.printed_value or figure.value is not None:
                yield Problem(case.slug, "text_only", f"{label}: 表記のみの数値に value がある")
            continue
        if not figure.printed_value:
            yield Problem(
                case.slug,
                "value",
                f"{label}: value がない（一つの数で表せない表記なら text_only にする）",
            )
            continue
        if figure.value != KeyFigure.number(figure.printed_value):
            yield Problem(
                case.slug, "value", f"{label}: 数値の列が表記「{figure.printed_value}」と違う"
            )
        if figure.printed_value not in NUMBER.findall(printed):
            yield Problem(
                case.slug,
                "precision",
                f"{label}: value {figure.printed_value} は"
                "表記の数字と一致しない（丸め・桁・小数点以下の違い）",
            )
            continue
        unit = _flat(figure.unit)
        words = "|".join(re.escape(w) for q in qualifiers for w in QUALIFIER_WORDS[q])
        between = rf"(?:{words})?(?:を超える|を超え)?の?" if words else r"の?"
        prefix = "".join(q for q in qualifiers if q in PREFIX_QUALIFIERS)
        pattern = (
            re.escape(prefix) + _number_pattern(figure.printed_value) + between + re.escape(unit)
        )
        if not re.search(pattern, printed):
            yield Problem(
                case.slug,
                "rebuild",
                f"{label}: 「{figure.qualifier}」「{figure.printed_value}」「{figure.unit}」"
                "から表記を組み立てられない",
            )


def check_units(case):
    """Units come from the normalised list."""
    for figure in case.figures.all():
        if figure.unit not in UNITS:
            hint = UNIT_SPELLINGS.get(figure.unit)
            advice = f"（「{hint}」と書く）" if hint else "（UNITS にない単位）"
            yield Problem(
                case.slug, "unit", f"{figure.label}: 単位「{figure.unit}」は正規化表にない{advice}"
            )


def check_places(case):
    """No place row stands in for a missing place; no place only where the note says so."""
    places = list(case.places.all())
    for place in places:
        if place.kind != Place.Kind.FOREIGN and any(w in place.name for w in PSEUDO_PLACE_WORDS):
            yield Problem(
                case.slug,
                "place",
                f"場所「{place.name}」は地名ではない（所在地がなければ places を空にし、"
                f"editor_note に「{NO_PLACE_STATED}」と書く）",
            )
    if not places and NO_PLACE_STATED not in case.editor_note:
        yield Problem(
            case.slug, "place", f"場所がなく、editor_note に「{NO_PLACE_STATED}」の説明もない"
        )


def check_roles(case):
    """No organisation takes a role its kind does not take."""
    for actor in case.actors.all():
        kind = actor.organization.kind
        if actor.role in IMPLAUSIBLE_ROLES.get(kind, ()):
            yield Problem(
                case.slug,
                "role",
                f"{actor.organization.name}（{actor.organization.get_kind_display()}）が"
                f"「{actor.get_role_display()}」",
            )


def _founds_an_operator(label, operators):
    return any(
        re.search(re.escape(name) + FOUNDING, label)
        for organization in operators
        for name in (organization.name, *organization.aliases)
    )


def check_start_year(case):
    """start_year is the year a milestone dates the case's founding, and only that."""
    milestones = list(case.milestones.all())
    operators = [
        actor.organization for actor in case.actors.all() if actor.role == Actor.Role.OPERATOR
    ]
    founding = sorted(m.year for m in milestones if _founds_an_operator(m.label, operators))
    if founding and case.start_year != founding[0]:
        yield Problem(
            case.slug,
            "start_year",
            f"経緯 {founding[0]}年 に運営主体の設立があるが start_year は {case.start_year}",
        )
    if case.start_year and case.start_year not in {m.year for m in milestones}:
        yield Problem(
            case.slug,
            "start_year",
            f"start_year {case.start_year} を裏づける経緯（milestone）がない",
        )


def check_reference(case):
    """A 参考事例 label names the case it is printed under (deleting that case leaves it)."""
    if case.reference_label and case.reference_of_id is None:
        yield Problem(
            case.slug,
            "reference",
            f"「{case.reference_label}」とあるが、それを掲げる事例（reference_of）がない",
        )


def check_sections(case):
    """Each row's section is one of its own document's sections.

    The form and the loader refuse another document's section; no database constraint can
    (it spans two tables), so a row changed any other way is caught here.
    """
    for name in SOURCED_RELATIONS:
        for row in getattr(case, name).all():
            if row.section.source_id != row.source_id:
                yield Problem(
                    case.slug,
                    "section",
                    f"{row._meta.verbose_name}「{row}」: 箇所「{row.section.key}」は"
                    "この行の出典資料の箇所ではない",
                )


def check_reading(case):
    """A case awaiting review or published has its title's reading: without one it sorts after
    every case that has one in the 「事例名」 (五十音) order. Drafts may wait for it; a case
    under review is held to it so that publishing (which needs a clean audit) asks for it."""
    if case.status != Case.Status.DRAFT and not case.title_kana.strip():
        yield Problem(
            case.slug,
            "title_kana",
            "事例名のよみ（title_kana）がない（事例名順で、よみのある事例の後に並ぶ）",
        )


CHECKS = (
    check_figures,
    check_units,
    check_places,
    check_roles,
    check_start_year,
    check_reference,
    check_sections,
    check_reading,
)


def audit(queryset=None):
    """Return every problem the checks find, sorted by case."""
    return sorted(
        problem for case in audited_cases(queryset) for check in CHECKS for problem in check(case)
    )
