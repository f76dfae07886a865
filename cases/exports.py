"""The public JSON and CSV: their own schema, written out field by field.

The fixture files have their own format (cases.fixtures); the API does not follow it, so that
a change of storage format cannot silently change what API users receive. A change to these
shapes that is not purely additive raises SCHEMA_VERSION (documented in the README).
"""

import csv
import hashlib
from urllib.parse import quote

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from .cache import cache_get, cache_set
from .facets import FACETS
from .models import DETAIL_RELATIONS, Case, Citation, KeyFigure, Place, Region, detail_prefetch

SCHEMA_VERSION = 2

# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "スラッグ",
    "事例名",
    "URL",
    "類型（2025年）",
    "拠点の類型（2019年）",
    "テーマ",
    "場所",
    "都道府県",
    "地方",
    "人口（資料の記載）",
    "要約",
    "出典",
)
# The key-figures CSV (format=figures.csv): one row per figure of the matching cases.
FIGURE_CSV_COLUMNS = (
    "スラッグ",
    "事例名",
    "場所",
    "都道府県",
    "項目",
    "種別",
    "資料の表記",
    "時点（資料の表記）",
    "出典",
    "箇所",
    "箇所の見出し",
    "箇所の頁",
)
CSV_BATCH_SIZE = 500
# A finished CSV is cached only up to this size; bigger ones are streamed anew each time.
CSV_CACHE_MAX_BYTES = 5_000_000
CSV_CACHE_TIMEOUT = 60 * 60


def csv_row_limit(request):
    """How many rows this visitor's CSV may hold: None (all) once signed in, else the setting."""
    if request.user.is_authenticated:
        return None
    return settings.CSV_ANONYMOUS_ROW_LIMIT


# JSON ----------------------------------------------------------------------------------------


def case_summary(case, request):
    """One result of the browse JSON."""
    return {
        "slug": case.slug,
        "title": case.title,
        "url": request.build_absolute_uri(case.get_absolute_url()),
        "type": case.type_2025,
        "type_label": case.get_type_2025_display(),
        "themes": [theme.label for theme in case.themes.all()],
        "places": [place.name for place in case.places.all()],
        "summary": case.summary,
    }


def browse_document(page, facets, notices, request, csv_limit):
    """The browse JSON: one page of results, every facet's counts and the notices."""
    return {
        "schema_version": SCHEMA_VERSION,
        "count": page.paginator.count,
        "page": page.number,
        "num_pages": page.paginator.num_pages,
        "csv_row_limit": csv_limit,
        "results": [case_summary(case, request) for case in page.object_list],
        "facets": {
            facet["param"]: [
                {
                    "value": option["value"],
                    "label": option["label"],
                    "count": option["count"],
                    "selected": option["selected"],
                }
                for option in facet["options"]
            ]
            for facet in facets
        },
        "notices": notices,
    }


def _sourced(row, record):
    record["source"] = row.source.key
    # `section` stays the text rows have always given (4.(1)③(i) 参考事例①); its heading and
    # page (from the document's 目次, where it has one) came later, as fields of their own.
    record["section"] = row.section_key
    record["section_heading"] = row.section.heading
    record["section_page"] = row.section.page
    return record


def detail_queryset():
    """Published cases with every row the case JSON holds; related cases only if published."""
    return (
        Case.objects.published()
        .select_related("reference_of")
        .prefetch_related(
            "themes",
            "common_factors",
            Prefetch("related", queryset=Case.objects.published().only("slug").order_by("slug")),
            *(detail_prefetch(name) for name in DETAIL_RELATIONS),
        )
    )


def case_document(case, request):
    """The case JSON: everything the case page shows, with the source of every fact."""
    return {
        "schema_version": SCHEMA_VERSION,
        "slug": case.slug,
        "title": case.title,
        "url": request.build_absolute_uri(case.get_absolute_url()),
        "type": case.type_2025,
        "type_label": case.get_type_2025_display(),
        "hub_type": case.hub_type_2019,
        "hub_type_label": case.get_hub_type_2019_display(),
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        # Drafts never appear, not even as the case a 参考事例 is printed under.
        "reference_of": (
            case.reference_of.slug
            if case.reference_of and case.reference_of.status == Case.Status.PUBLISHED
            else None
        ),
        "reference_label": case.reference_label,
        "common_factors": [
            {"number": factor.number, "name": factor.name} for factor in case.common_factors.all()
        ],
        "start_year": case.start_year,
        "summary": case.summary,
        "description": case.description,
        "approach": case.approach,
        "editor_note": case.editor_note,
        "themes": [
            {"key": theme.key, "label": theme.label, "name": theme.name}
            for theme in case.themes.all()
        ],
        "related": [other.slug for other in case.related.all()],
        "places": [
            {
                "kind": place.kind,
                "name": place.name,
                "lg_code": place.municipality.lg_code if place.municipality else None,
                "prefecture": (
                    place.prefecture.name
                    if place.prefecture
                    else place.municipality.prefecture.name
                    if place.municipality
                    else None
                ),
            }
            for place in case.places.all()
        ],
        "challenges": [_sourced(row, {"text": row.text}) for row in case.challenges.all()],
        "points": [
            _sourced(
                row, {"point": row.point, "point_label": row.get_point_display(), "text": row.text}
            )
            for row in case.points.all()
        ],
        "citations": [
            _sourced(
                row,
                {
                    "page": row.page,
                    "note": row.note,
                    "origin_as_printed": row.origin_as_printed,
                    "citation_line": row.citation_line(),
                },
            )
            for row in case.citations.all()
        ],
        "actors": [
            _sourced(
                row,
                {
                    "organization": row.organization.name,
                    "organization_kind": row.organization.kind,
                    "role": row.role,
                    "role_label": row.get_role_display(),
                    "note": row.note,
                },
            )
            for row in case.actors.all()
        ],
        "funding": [
            _sourced(
                row,
                {
                    "kind": row.kind,
                    "kind_label": row.get_kind_display(),
                    "provider": row.provider.name if row.provider else None,
                    "amount_yen": row.amount_yen,
                    "amount_as_printed": row.amount_as_printed,
                    "year": row.year,
                    "month": row.month,
                    "date_as_printed": row.date_as_printed,
                    "note": row.note,
                },
            )
            for row in case.funding.all()
        ],
        "infrastructure": [
            _sourced(
                row,
                {
                    "kind": row.kind,
                    "kind_label": row.get_kind_display(),
                    "name": row.name,
                    "description": row.description,
                },
            )
            for row in case.infrastructure.all()
        ],
        "figures": [
            _sourced(
                row,
                {
                    "kind": row.kind,
                    "place": row.place.name if row.place else None,
                    "label": row.label,
                    "qualifier": row.qualifier,
                    # The number as printed ('383.0'); null for a text-only figure.
                    "value": row.printed_value or None,
                    "text_only": row.text_only,
                    "unit": row.unit,
                    "as_printed": row.as_printed,
                    "as_of_label": row.as_of_label,
                    "as_of_year": row.as_of_year,
                    "as_of_month": row.as_of_month,
                    "undated": row.undated,
                },
            )
            for row in case.figures.all()
        ],
        "milestones": [
            _sourced(
                row,
                {
                    "year": row.year,
                    "month": row.month,
                    "date_as_printed": row.date_as_printed,
                    "label": row.label,
                },
            )
            for row in case.milestones.all()
        ],
    }


# CSV -----------------------------------------------------------------------------------------


def neutralise_cell(value):
    """Return a cell a spreadsheet shows as text, never runs as a formula (OWASP's advice).

    A cell starting with = + - @ tab or carriage return gets a leading apostrophe.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    """A file-like object csv.writer writes one line into, for streaming (Django's docs)."""

    def write(self, value):
        return value


_writer = csv.writer(_Line())


def csv_line(cells):
    """Every CSV line the site writes goes through here, so that no cell can be a formula."""
    return _writer.writerow([neutralise_cell(cell) for cell in cells])


def _cases_in_batches(ids):
    places = Place.objects.select_related("municipality__prefecture", "prefecture")
    figures = KeyFigure.objects.select_related("place", "source", "section")
    for start in range(0, len(ids), CSV_BATCH_SIZE):
        batch = ids[start : start + CSV_BATCH_SIZE]
        cases = (
            Case.objects.filter(pk__in=batch)
            .prefetch_related(
                "themes",
                Prefetch("places", queryset=places),
                Prefetch("figures", queryset=figures),
                Prefetch(
                    "citations", queryset=Citation.objects.select_related("source", "section")
                ),
            )
            .in_bulk()
        )
        yield from (cases[case_id] for case_id in batch if case_id in cases)


def _prefectures(case):
    """The case's prefectures, each once, in the order of its places."""
    found = {}
    for place in case.places.all():
        prefecture = place.prefecture or (place.municipality and place.municipality.prefecture)
        if prefecture:
            found.setdefault(prefecture.pk, prefecture)
    return list(found.values())


def _figure_as_stated(figure):
    """A figure as printed, with its date (or that it has none), e.g. 約25,000人（令和2年）."""
    return f"{figure.as_printed}（{figure.as_of_or_undated}）"


def case_csv_cells(case, request):
    prefectures = _prefectures(case)
    regions = dict.fromkeys(str(Region(prefecture.region).label) for prefecture in prefectures)
    # Each stated population as printed, with its date and place: never one number for
    # several places.
    populations = [
        (f"{figure.place.name}：" if figure.place else "") + _figure_as_stated(figure)
        for figure in case.figures.all()
        if figure.kind == KeyFigure.Kind.POPULATION
    ]
    return [
        case.slug,
        case.title,
        request.build_absolute_uri(case.get_absolute_url()),
        case.get_type_2025_display(),
        case.get_hub_type_2019_display(),
        "、".join(theme.label for theme in case.themes.all()),
        "、".join(place.name for place in case.places.all()),
        "、".join(prefecture.name for prefecture in prefectures),
        "、".join(regions),
        "／".join(populations),
        case.summary,
        " / ".join(citation.citation_line() for citation in case.citations.all()),
    ]


def figure_csv_rows(case):
    for figure in case.figures.all():
        place = figure.place
        prefecture = place and (
            place.prefecture or (place.municipality and place.municipality.prefecture)
        )
        yield [
            case.slug,
            case.title,
            place.name if place else "",
            prefecture.name if prefecture else "",
            figure.label,
            figure.get_kind_display(),
            figure.as_printed,
            figure.as_of_or_undated,
            figure.source.title,
            figure.section_key,
            figure.section.heading,
            figure.section.page,
        ]


def _csv_chunks(ids, request, table):
    if table == "figures":
        yield "\ufeff" + csv_line(FIGURE_CSV_COLUMNS)
        for case in _cases_in_batches(ids):
            for row in figure_csv_rows(case):
                yield csv_line(row)
        return
    yield "\ufeff" + csv_line(CSV_COLUMNS)  # the BOM makes Excel read UTF-8
    for case in _cases_in_batches(ids):
        yield csv_line(case_csv_cells(case, request))


def _caching(chunks, key):
    """Pass the chunks through, and cache the whole file once it has been sent in full."""
    parts, size = [], 0
    for chunk in chunks:
        data = chunk.encode()
        size += len(data)
        if size <= CSV_CACHE_MAX_BYTES:
            parts.append(data)
        yield data
    if size <= CSV_CACHE_MAX_BYTES:
        cache_set(key, b"".join(parts), CSV_CACHE_TIMEOUT)


def csv_filename(browse, labels, table):
    """Name the file after the selection and today: (ASCII fallback, UTF-8 name).

    The ASCII name uses the parameter values (region-chubu); the UTF-8 one the labels a
    reader knows (中部), and the search words, which have no ASCII form.
    """
    ascii_parts, parts = [], []
    for facet in FACETS:
        values = browse.selected.get(facet.param) or []
        if not values:
            continue
        names = dict(facet.options(labels))
        ascii_parts.append(f"{facet.param}-" + "+".join(values))
        parts.append("・".join(str(names.get(value, value)) for value in values))
    if browse.query:
        ascii_parts.append("search")
        parts.append(browse.query)
    stem = "kokudo-figures" if table == "figures" else "kokudo-cases"
    label = "国土事例カタログ-主な数値" if table == "figures" else "国土事例カタログ-事例"
    day = timezone.localdate().strftime("%Y%m%d")
    ascii_name = "_".join([stem, *ascii_parts])[:150]
    name = "_".join([label, *parts])[:150]
    return f"{ascii_name}_{day}.csv", f"{name}_{day}.csv"


def content_disposition(ascii_name, name):
    """attachment with an ASCII filename and the UTF-8 filename* (RFC 6266, RFC 5987)."""
    safe = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in ascii_name
    )
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name, safe='')}"


def csv_response(request, results, browse, catalogue_version, limit, labels=None, table="cases"):
    """Stream the matching cases as CSV, at most limit cases (None: all).

    table "figures" writes one row per key figure of those cases instead.
    """
    # The rows hold absolute URLs, so the host is part of what makes two files the same.
    identity = "\n".join(
        [request.build_absolute_uri("/"), browse.querydict().urlencode(), str(limit), table]
    )
    key = f"cases-csv:{catalogue_version}:{hashlib.sha256(identity.encode()).hexdigest()}"
    cached = cache_get(key)
    if cached is not None:
        response = HttpResponse(cached, content_type="text/csv; charset=utf-8")
    else:
        ids = results.ids(0, limit)
        response = StreamingHttpResponse(
            _caching(_csv_chunks(ids, request, table), key), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = content_disposition(
        *csv_filename(browse, labels or {}, table)
    )
    return response
