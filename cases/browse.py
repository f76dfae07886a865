"""The browse page's query string, parsed once: facets, search, sort, page and format.

Every parameter is lenient: a value the catalogue does not know is set aside with a notice
instead of failing the request, so any URL gives a normal page.
"""

from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import citations
from .facets import FACETS, FACETS_BY_PARAM
from .geo import NEAR_DEFAULT_KM, NEAR_MAX_KM, NEAR_MIN_KM, parse_km
from .text import normalize, strip_control_characters

MAX_QUERY_LENGTH = 100

SORTS = (
    ("relevance", gettext_lazy("関連度")),
    ("title", gettext_lazy("事例名")),
    ("prefecture", gettext_lazy("都道府県順")),
    ("-population", gettext_lazy("人口の多い順")),
    ("population", gettext_lazy("人口の少ない順")),
    ("-latest_source", gettext_lazy("出典の新しい順")),
)
SORT_KEYS = {key for key, _label in SORTS}
# The page's own data (figures.csv: the key figures of the matches), and a selection's
# citations in each format cases.citations writes.
FORMATS = ("json", "csv", "figures.csv", "geojson", *citations.FORMATS)
# How a selection's description joins the values chosen in one facet (any of them matches) and
# the facets (all of them must); labels may hold "・" themselves (デジタル基盤・データ連携).
ANY_OF = " または "
ALL_OF = " × "
VIEWS = ("list", "map")  # "list" is the default and is left out of the canonical query


def quoted_values(values):
    """Show the first few values a visitor sent, shortened, for a notice that sets them aside."""
    return "、".join(strip_control_characters(value)[:30] for value in values[:5])


def clean_query(value):
    """Return the search words as search matches them, and whether they had to be cut short."""
    text = normalize(value if isinstance(value, str) else "")
    return text[:MAX_QUERY_LENGTH].strip(), len(text) > MAX_QUERY_LENGTH


def parse_page(raw):
    """Return the page number asked for, or None when it is not a number."""
    try:
        return int(raw or "1")
    except ValueError:
        return None


@dataclass(frozen=True)
class BrowseQuery:
    selected: dict  # facet param -> known values, in the order given, without repeats
    ignored: dict = field(default_factory=dict)  # facet param -> values the facet does not know
    query: str = ""
    query_truncated: bool = False
    sort: str = ""  # as asked for; "" when absent or unknown
    ignored_sort: str = ""
    page_raw: str = "1"
    page: int | None = 1  # None: not a number
    format: str = ""  # "" or one of FORMATS
    ignored_format: str = ""
    view: str = "list"
    ignored_view: str = ""
    near: object = None  # the Town (cases.geo) the `near` filter measures from, or None
    km: int = NEAR_DEFAULT_KM
    ignored_near: str = ""  # the value as sent, when no one municipality has that code or name
    near_ambiguous: bool = False  # a name several municipalities share
    ignored_km: str = ""

    @classmethod
    def parse(cls, data, labels, find_origin=None):
        """Read a QueryDict; labels are the options of the facets whose values live in tables.

        find_origin(text) -> (Town or None, reason) resolves `near` (CaseGeography.find_origin);
        it is called only when the request has a `near`, so other requests do not load the
        geography.
        """
        selected, ignored = {}, {}
        for facet in FACETS:
            known = {str(value) for value, _label in facet.options(labels)}
            values = data.getlist(facet.param)
            if facet.text_box:
                values = [value for value in values if value.strip()]
            resolved = facet.resolve(values, known)
            selected[facet.param] = list(dict.fromkeys(v for _, v in resolved if v is not None))
            unknown = [value for value, v in resolved if v is None]
            if unknown:
                ignored[facet.param] = unknown
        query, truncated = clean_query(data.get("q"))
        sort = data.get("sort") or ""
        response_format = data.get("format") or ""
        page_raw = data.get("page") or "1"
        view = data.get("view") or "list"
        near, ignored_near, ambiguous = None, "", False
        near_raw = strip_control_characters(data.get("near") or "").strip()
        if near_raw and find_origin is not None:
            near, reason = find_origin(near_raw)
            if near is None:
                ignored_near, ambiguous = near_raw, reason == "ambiguous"
        km = parse_km(data.get("km"))
        # A distance without a place is what the picker sends with its text box left empty.
        ignored_km = data.get("km") if km is None and near else ""
        return cls(
            view=view if view in VIEWS else "list",
            ignored_view="" if view in VIEWS else view,
            near=near,
            km=NEAR_DEFAULT_KM if km is None else km,
            ignored_near=ignored_near,
            near_ambiguous=ambiguous,
            ignored_km=ignored_km,
            selected=selected,
            ignored=ignored,
            query=query,
            query_truncated=truncated,
            sort=sort if sort in SORT_KEYS else "",
            ignored_sort="" if sort in SORT_KEYS else sort,
            page_raw=page_raw,
            page=parse_page(page_raw),
            format=response_format if response_format in FORMATS else "",
            ignored_format="" if response_format in FORMATS else response_format,
        )

    @property
    def sort_key(self):
        return self.sort or ("relevance" if self.query else "title")

    @property
    def canonical(self):
        """Whether querydict(), page and format say all the URL asked: nothing set aside.

        A page number written differently ("01") is not canonical either: notices quote it.
        """
        return not (
            self.ignored
            or self.query_truncated
            or self.ignored_sort
            or self.ignored_format
            or self.page is None
            or self.page_raw != str(self.page)
        )

    @property
    def page_to_show(self):
        """The number to hand to Paginator.get_page(), which serves the last page past the end."""
        return max(self.page or 1, 1)

    def querydict(self, remove=None):
        """The canonical query string without page and format, optionally without one value.

        remove is (param, value); ("q", query) removes the search.
        """
        params = QueryDict(mutable=True)
        for facet in FACETS:
            for value in self.selected[facet.param]:
                if remove != (facet.param, value):
                    params.appendlist(facet.param, value)
        if self.query and remove != ("q", self.query):
            params["q"] = self.query
        if self.near and remove != ("near", self.near.lg_code):
            params["near"] = self.near.lg_code
            params["km"] = str(self.km)
        if self.sort:
            params["sort"] = self.sort
        if self.view != "list":
            params["view"] = self.view
        return params

    def querydict_for_view(self, view):
        """The canonical query string of the same selection in another view (list or map)."""
        params = self.querydict()
        params.pop("view", None)
        if view != "list":
            params["view"] = view
        return params

    def description(self, labels):
        """The selection in words, e.g. 「テーマ: 地域交通 × 地方: 中部」; "" for all cases.

        For the feed's title and the page's Open Graph title; labels as for parse().
        """
        parts = []
        for facet in FACETS:
            values = self.selected[facet.param]
            if values:
                names = dict(facet.options(labels))
                chosen = ANY_OF.join(str(names[value]) for value in values)
                parts.append(f"{facet.label}: {chosen}")
        if self.query:
            parts.append(f"{_('キーワード')}: {self.query}")
        return ALL_OF.join(parts)

    def selection_notices(self):
        """Explain which values of the selection (facets and search) were set aside."""
        notices = []
        for param, values in self.ignored.items():
            notices.append(
                _("「%(facet)s」に %(values)s という値はないため、無視しました。")
                % {"facet": FACETS_BY_PARAM[param].label, "values": quoted_values(values)}
            )
        if self.query_truncated:
            notices.append(
                _("キーワードが長すぎるため、先頭の%(n)d文字で検索しました。")
                % {"n": MAX_QUERY_LENGTH}
            )
        return notices

    def notices(self, page_number):
        """Explain what was set aside; page_number is the page actually shown."""
        notices = self.selection_notices()
        if self.ignored_sort:
            notices.append(
                _("並び順 %(value)s はないため、既定の順で表示しています。")
                % {"value": quoted_values([self.ignored_sort])}
            )
        if self.ignored_format:
            notices.append(
                _("形式 %(value)s には対応していないため、ページとして表示しています。")
                % {"value": quoted_values([self.ignored_format])}
            )
        if self.ignored_view:
            notices.append(
                _("表示 %(value)s はないため、一覧で表示しています。")
                % {"value": quoted_values([self.ignored_view])}
            )
        if self.ignored_near and self.near_ambiguous:
            notices.append(
                _(
                    "「%(value)s」という市区町村は複数あるため、距離の条件を外しました。"
                    "都道府県名を付けるか、一覧から選んでください。"
                )
                % {"value": quoted_values([self.ignored_near])}
            )
        elif self.ignored_near:
            notices.append(
                _(
                    "「%(value)s」という市区町村（名称または全国地方公共団体コード）が見つからない"
                    "ため、距離の条件を外しました。"
                )
                % {"value": quoted_values([self.ignored_near])}
            )
        if self.ignored_km:
            notices.append(
                _(
                    "距離 %(value)s は%(min)d〜%(max)dkmの整数ではないため、"
                    "%(km)dkmで絞り込みました。"
                )
                % {
                    "value": quoted_values([self.ignored_km]),
                    "min": NEAR_MIN_KM,
                    "max": NEAR_MAX_KM,
                    "km": self.km,
                }
            )
        if self.page is None:
            notices.append(_("ページ番号が数字ではないため、最初のページを表示しています。"))
        elif self.page != page_number:
            notices.append(
                _("%(requested)s ページはないため、%(page)d ページを表示しています。")
                % {"requested": self.page_raw[:12], "page": page_number}
            )
        return notices
