"""Read the curated YAML fixtures into the database and write the database back out.

The files are the exporter's output: `export` followed by `load` changes nothing, and `load`
followed by `export` reproduces the files byte for byte. See fixtures/README.md for the format.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    Actor,
    Case,
    CasePoint,
    CatalogueVersion,
    Challenge,
    Citation,
    Funding,
    Infrastructure,
    KeyFigure,
    Milestone,
    Municipality,
    Organization,
    Place,
    Prefecture,
    Region,
    SourceDocument,
    Theme,
)

CHANGE_REASON = "load_catalogue"


def _leaving_out(queryset, ignore_prefixes):
    """The rows of `queryset` whose slug starts with none of `ignore_prefixes`.

    Data that shares the database but is not the catalogue's (the bench's synthetic cases) is
    named by whoever wrote it, through load's and export's `ignore_prefixes`.
    """
    for prefix in ignore_prefixes:
        queryset = queryset.exclude(slug__startswith=prefix)
    return queryset


class FixtureError(Exception):
    """A fixture that cannot be loaded, named by file and record."""

    def __init__(self, path, record, message):
        self.path, self.record, self.message = path, record, message
        super().__init__(f"{path}: {record}: {message}")


# YAML ----------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data):
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


def read_yaml(path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FixtureError(path, "file", f"not valid YAML: {error}") from error
    except UnicodeDecodeError as error:
        raise FixtureError(path, "file", "not UTF-8 text") from error


def _prune(record, keep=()):
    """Leave out empty values, so files show only what is known."""
    return {
        key: value
        for key, value in record.items()
        if key in keep or value not in (None, "", [], False)
    }


def _decimal_text(value):
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


# Serialising (database -> dict) --------------------------------------------------------------


def source_record(source):
    return _prune(
        {
            "key": source.key,
            "title": source.title,
            "short_title": source.short_title,
            "issuer": source.issuer,
            "published_label": source.published_label,
            "year": source.year,
            "published_on": source.published_on.isoformat() if source.published_on else None,
            "url": source.url,
            "seed_file": source.seed_file,
            "summary": source.summary,
        },
        keep=("key", "title", "short_title", "issuer", "year"),
    )


def theme_record(theme):
    return {
        "key": theme.key,
        "name": theme.name,
        "short_name": theme.short_name,
        "origin": theme.origin,
    }


def organization_record(organization):
    return _prune(
        {
            "name": organization.name,
            "slug": organization.slug,
            "kind": organization.kind,
            "aliases": list(organization.aliases),
            "note": organization.note,
        },
        keep=("name", "slug", "kind"),
    )


def _sourced(row, record):
    record["source"] = row.source.key
    record["section"] = row.section
    return record


def case_record(case):
    """Return a case and all its rows as the dict its fixture file holds."""

    def rows(manager):
        return manager.all().order_by("position", "id")

    record = {
        "slug": case.slug,
        "title": case.title,
        "status": case.status,
        "type_2025": case.type_2025,
        "hub_type_2019": case.hub_type_2019,
        "start_year": case.start_year,
        "summary": case.summary,
        "description": case.description,
        "approach": case.approach,
        "editor_note": case.editor_note,
        "themes": sorted(theme.key for theme in case.themes.all()),
        "related": sorted(other.slug for other in case.related.all()),
        "places": [
            _prune(
                {
                    "kind": place.kind,
                    "name": place.name,
                    "lg_code": place.municipality.lg_code if place.municipality else None,
                    "prefecture": (
                        place.prefecture.name
                        if place.prefecture
                        and place.kind in (Place.Kind.PREFECTURE, Place.Kind.AREA)
                        else None
                    ),
                },
                keep=("kind", "name"),
            )
            for place in rows(case.places).select_related("municipality", "prefecture")
        ],
        "challenges": [
            _sourced(row, {"text": row.text})
            for row in rows(case.challenges).select_related("source")
        ],
        "points": [
            _sourced(row, {"point": row.point, "text": row.text})
            for row in rows(case.points).select_related("source")
        ],
        "citations": [
            _sourced(row, _prune({"page": row.page, "note": row.note}))
            for row in rows(case.citations).select_related("source")
        ],
        "actors": [
            _sourced(
                row,
                _prune(
                    {"organization": row.organization.name, "role": row.role, "note": row.note},
                    keep=("organization", "role"),
                ),
            )
            for row in rows(case.actors).select_related("organization", "source")
        ],
        "funding": [
            _sourced(
                row,
                _prune(
                    {
                        "kind": row.kind,
                        "provider": row.provider.name if row.provider else None,
                        "amount_yen": row.amount_yen,
                        "amount_as_printed": row.amount_as_printed,
                        "year": row.year,
                        "month": row.month,
                        "date_as_printed": row.date_as_printed,
                        "note": row.note,
                    },
                    keep=("kind",),
                ),
            )
            for row in rows(case.funding).select_related("provider", "source")
        ],
        "infrastructure": [
            _sourced(
                row,
                _prune(
                    {"kind": row.kind, "name": row.name, "description": row.description},
                    keep=("kind", "name"),
                ),
            )
            for row in rows(case.infrastructure).select_related("source")
        ],
        "figures": [
            _sourced(
                row,
                _prune(
                    {
                        "kind": row.kind,
                        "place": row.place.name if row.place else None,
                        "label": row.label,
                        "qualifier": row.qualifier,
                        "value": _decimal_text(row.value),
                        "unit": row.unit,
                        "as_printed": row.as_printed,
                        "as_of_label": row.as_of_label,
                        "as_of_year": row.as_of_year,
                        "as_of_month": row.as_of_month,
                        "undated": row.undated,
                    },
                    keep=("kind", "label", "as_printed"),
                ),
            )
            for row in rows(case.figures).select_related("place", "source")
        ],
        "milestones": [
            _sourced(
                row,
                _prune(
                    {
                        "year": row.year,
                        "month": row.month,
                        "date_as_printed": row.date_as_printed,
                        "label": row.label,
                    },
                    keep=("year", "label"),
                ),
            )
            for row in rows(case.milestones).select_related("source")
        ],
    }
    return _prune(record, keep=("slug", "title", "status", "summary"))


# Reading files -------------------------------------------------------------------------------


@dataclass
class Fixtures:
    directory: Path
    sources: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    organizations: list = field(default_factory=list)
    cases: list = field(default_factory=list)  # (path, record, text)

    @property
    def sources_path(self):
        return self.directory / "sources.yaml"

    @property
    def themes_path(self):
        return self.directory / "themes.yaml"

    @property
    def organizations_path(self):
        return self.directory / "organizations.yaml"

    @property
    def cases_dir(self):
        return self.directory / "cases"


def _record_list(path):
    if not path.exists():
        raise FixtureError(path, "file", "is missing")
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise FixtureError(path, "file", "must be a list of records")
    return data


def read_fixtures(directory):
    directory = Path(directory)
    fixtures = Fixtures(directory)
    fixtures.sources = _record_list(fixtures.sources_path)
    fixtures.themes = _record_list(fixtures.themes_path)
    fixtures.organizations = _record_list(fixtures.organizations_path)
    for path in sorted(fixtures.cases_dir.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        record = read_yaml(path)
        if not isinstance(record, dict):
            raise FixtureError(path, "file", "must hold one case (a mapping)")
        fixtures.cases.append((path, record, text))
    return fixtures


# Loading -------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)
    not_in_fixtures: list = field(default_factory=list)

    def count(self, bucket, kind):
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    def lines(self):
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        for kind in kinds:
            yield (
                f"{kind}: {self.created.get(kind, 0)} created, "
                f"{self.updated.get(kind, 0)} updated, {self.unchanged.get(kind, 0)} unchanged"
            )
        if self.not_in_fixtures:
            missing = ", ".join(self.not_in_fixtures)
            yield f"cases in the database but not in the fixtures: {missing}"


def _field_errors(error):
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


def _save(instance, path, record_label, exclude=None):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise FixtureError(path, record_label, _field_errors(error)) from error
    instance._change_reason = CHANGE_REASON
    instance.save()
    return instance


def _require(record, key, path, label):
    value = record.get(key)
    if value in (None, ""):
        raise FixtureError(path, label, f"'{key}' is required")
    return value


def _unknown_keys(record, allowed, path, label):
    unknown = set(record) - set(allowed)
    if unknown:
        raise FixtureError(path, label, f"unknown field(s): {', '.join(sorted(unknown))}")


def load_reference_data():
    """Load prefectures and municipalities from the japancode package (idempotent)."""
    data_dir = resources.files("japancode") / "data"
    prefectures = json.loads((data_dir / "prefectures.json").read_text(encoding="utf-8"))
    municipalities = json.loads((data_dir / "municipalities.json").read_text(encoding="utf-8"))

    existing = {p.code: p for p in Prefecture.objects.all()}
    for item in prefectures:
        code = f"{int(item['pid']):02d}"
        values = {
            "name": item["pref"],
            "kana": item["prefkana"],
            "name_en": item["pref_en"],
            "region": Region.for_prefecture_code(code),
            "lg_code": item["lgcode"].zfill(6),
        }
        current = existing.get(code)
        if current is None:
            existing[code] = Prefecture.objects.create(code=code, **values)
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save()
    by_name = {p.name: p for p in existing.values()}

    current = {m.lg_code: m for m in Municipality.objects.all()}
    to_create, to_update = [], []
    for item in municipalities:
        code = item["lgcode"].zfill(6)
        values = {
            "prefecture_id": by_name[item["pref"]].pk,
            "name": item["city"],
            "kana": item["citykana"],
            "latitude": item.get("lat"),
            "longitude": item.get("lng"),
        }
        found = current.get(code)
        if found is None:
            to_create.append(Municipality(lg_code=code, **values))
        elif any(getattr(found, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(found, key, value)
            to_update.append(found)
    Municipality.objects.bulk_create(to_create)
    Municipality.objects.bulk_update(
        to_update, ["prefecture_id", "name", "kana", "latitude", "longitude"]
    )
    if to_create or to_update:
        # Bulk writes send no signals; case pages show municipality names.
        CatalogueVersion.bump()
    return len(to_create), len(to_update)


SOURCE_FIELDS = (
    "key",
    "title",
    "short_title",
    "issuer",
    "published_label",
    "year",
    "published_on",
    "url",
    "seed_file",
    "summary",
)
THEME_FIELDS = ("key", "name", "short_name", "origin")
ORGANIZATION_FIELDS = ("name", "slug", "kind", "aliases", "note")
CASE_FIELDS = (
    "slug",
    "title",
    "status",
    "type_2025",
    "hub_type_2019",
    "start_year",
    "summary",
    "description",
    "approach",
    "editor_note",
    "themes",
    "related",
    "places",
    "challenges",
    "points",
    "citations",
    "actors",
    "funding",
    "infrastructure",
    "figures",
    "milestones",
)
ROW_FIELDS = {
    "places": ("kind", "name", "lg_code", "prefecture"),
    "challenges": ("text", "source", "section"),
    "points": ("point", "text", "source", "section"),
    "citations": ("source", "section", "page", "note"),
    "actors": ("organization", "role", "note", "source", "section"),
    "funding": (
        "kind",
        "provider",
        "amount_yen",
        "amount_as_printed",
        "year",
        "month",
        "date_as_printed",
        "note",
        "source",
        "section",
    ),
    "infrastructure": ("kind", "name", "description", "source", "section"),
    "figures": (
        "kind",
        "place",
        "label",
        "qualifier",
        "value",
        "unit",
        "as_printed",
        "as_of_label",
        "as_of_year",
        "as_of_month",
        "undated",
        "source",
        "section",
    ),
    "milestones": ("year", "month", "date_as_printed", "label", "source", "section"),
}


def _text(value):
    return "" if value is None else str(value)


class _Loader:
    def __init__(self, fixtures, report, ignore_prefixes=()):
        self.fixtures = fixtures
        self.ignore_prefixes = ignore_prefixes
        self.report = report
        self.sources = {}
        self.organizations = {}
        self.reindex = set()

    # Top-level records, matched by natural key ----------------------------------------------

    def load_sources(self):
        path = self.fixtures.sources_path
        for index, record in enumerate(self.fixtures.sources):
            label = f"record {index + 1} (key {record.get('key')!r})"
            _unknown_keys(record, SOURCE_FIELDS, path, label)
            key = _require(record, "key", path, label)
            source = SourceDocument.objects.filter(key=key).first()
            if source and source_record(source) == _prune(
                record, keep=("key", "title", "short_title", "issuer", "year")
            ):
                self.report.count("unchanged", "sources")
            else:
                bucket = "updated" if source else "created"
                source = source or SourceDocument(key=key)
                for name in SOURCE_FIELDS[1:]:
                    value = record.get(name)
                    if name == "published_on" and isinstance(value, str):
                        try:
                            value = date.fromisoformat(value)
                        except ValueError as error:
                            raise FixtureError(path, label, f"published_on: {error}") from error
                    if name in ("year", "published_on"):
                        setattr(source, name, value)
                    else:
                        setattr(source, name, _text(value))
                _save(source, path, label)
                if bucket == "updated":
                    self.reindex.update(
                        Case.objects.filter(citations__source=source).values_list("pk", flat=True)
                    )
                self.report.count(bucket, "sources")
            self.sources[key] = source

    def load_themes(self):
        path = self.fixtures.themes_path
        for index, record in enumerate(self.fixtures.themes):
            label = f"record {index + 1} (key {record.get('key')!r})"
            _unknown_keys(record, THEME_FIELDS, path, label)
            key = _require(record, "key", path, label)
            theme = Theme.objects.filter(key=key).first()
            wanted = {name: _text(record.get(name)) for name in THEME_FIELDS}
            if theme and theme_record(theme) == wanted and theme.position == index:
                self.report.count("unchanged", "themes")
                continue
            bucket = "updated" if theme else "created"
            theme = theme or Theme(key=key)
            for name in THEME_FIELDS[1:]:
                setattr(theme, name, wanted[name])
            theme.position = index
            _save(theme, path, label)
            self.report.count(bucket, "themes")

    def load_organizations(self):
        path = self.fixtures.organizations_path
        for index, record in enumerate(self.fixtures.organizations):
            label = f"record {index + 1} (name {record.get('name')!r})"
            _unknown_keys(record, ORGANIZATION_FIELDS, path, label)
            name = _require(record, "name", path, label)
            aliases = record.get("aliases") or []
            if not isinstance(aliases, list):
                raise FixtureError(path, label, "aliases must be a list")
            organization = Organization.objects.filter(name=name).first()
            wanted = _prune(
                {
                    "name": name,
                    "slug": _text(record.get("slug")),
                    "kind": _text(record.get("kind")),
                    "aliases": [str(alias) for alias in aliases],
                    "note": _text(record.get("note")),
                },
                keep=("name", "slug", "kind"),
            )
            if organization and organization_record(organization) == wanted:
                self.report.count("unchanged", "organizations")
            else:
                bucket = "updated" if organization else "created"
                if organization and organization.kind != wanted["kind"]:
                    self.reindex.update(
                        Case.objects.filter(actors__organization=organization).values_list(
                            "pk", flat=True
                        )
                    )
                organization = organization or Organization(name=name)
                organization.slug = wanted["slug"]
                organization.kind = wanted["kind"]
                organization.aliases = wanted.get("aliases", [])
                organization.note = wanted.get("note", "")
                organization.derive_keys()
                _save(organization, path, label)
                self.report.count(bucket, "organizations")
            self.organizations[name] = organization
            for alias in organization.aliases:
                self.organizations.setdefault(alias, organization)

    # Cases -----------------------------------------------------------------------------------

    def load_cases(self):
        related = {}
        slugs_in_files = set()
        for path, record, text in self.fixtures.cases:
            slug = record.get("slug")
            label = f"case {slug!r}"
            _unknown_keys(record, CASE_FIELDS, path, label)
            _require(record, "slug", path, label)
            if slug != path.stem:
                raise FixtureError(path, label, f"slug must match the file name ({path.stem!r})")
            if slug in slugs_in_files:
                raise FixtureError(path, label, "another file has the same slug")
            slugs_in_files.add(slug)
            related[slug] = set(record.get("related") or [])
            case = Case.objects.filter(slug=slug).first()
            if case and dump_yaml(case_record(case)) == text:
                self.report.count("unchanged", "cases")
                continue
            self.report.count("updated" if case else "created", "cases")
            case = self.load_case(path, record, case)
            self.reindex.add(case.pk)

        self.report.not_in_fixtures = sorted(
            _leaving_out(
                Case.objects.exclude(slug__in=slugs_in_files), self.ignore_prefixes
            ).values_list("slug", flat=True)
        )
        self.link_related(related)

    def link_related(self, related):
        by_slug = {case.slug: case for case in Case.objects.filter(slug__in=related)}
        wanted = {slug: set() for slug in related}
        for slug, others in related.items():
            for other in others:
                if other not in by_slug:
                    path = self.fixtures.cases_dir / f"{slug}.yaml"
                    raise FixtureError(
                        path, f"case {slug!r}", f"related case {other!r} does not exist"
                    )
                if other == slug:
                    continue
                wanted[slug].add(other)
                wanted.setdefault(other, set()).add(slug)
        for slug, others in wanted.items():
            case = by_slug[slug]
            current = set(case.related.values_list("slug", flat=True))
            if current != others:
                case.related.set([by_slug[other] for other in others])

    def load_case(self, path, record, case):
        label = f"case {record['slug']!r}"
        case = case or Case(slug=record["slug"])
        for name in (
            "title",
            "summary",
            "description",
            "approach",
            "editor_note",
            "type_2025",
            "hub_type_2019",
        ):
            setattr(case, name, _text(record.get(name)))
        case.status = _text(record.get("status")) or Case.Status.DRAFT
        case.start_year = record.get("start_year")
        _save(case, path, label)

        theme_keys = record.get("themes") or []
        themes = list(Theme.objects.filter(key__in=theme_keys))
        missing = set(theme_keys) - {theme.key for theme in themes}
        if missing:
            raise FixtureError(path, label, f"unknown theme(s): {', '.join(sorted(missing))}")
        case.themes.set(themes)

        for manager in (
            case.figures,
            case.places,
            case.challenges,
            case.points,
            case.citations,
            case.actors,
            case.funding,
            case.infrastructure,
            case.milestones,
        ):
            manager.all().delete()

        places = {}
        for index, row in enumerate(self._rows(record, "places", path, label)):
            row_label = f"{label}, places[{index}] ({row.get('name')!r})"
            place = Place(
                case=case, position=index, kind=_text(row.get("kind")), name=_text(row.get("name"))
            )
            if row.get("lg_code"):
                if not isinstance(row["lg_code"], str):
                    # YAML reads 012025 as an octal number: codes must be quoted.
                    raise FixtureError(
                        path, row_label, "lg_code must be quoted text, e.g. '015814'"
                    )
                code = row["lg_code"]
                place.municipality = Municipality.objects.filter(lg_code=code).first()
                if place.municipality is None:
                    raise FixtureError(path, row_label, f"no municipality has the LG code {code}")
                place.prefecture = place.municipality.prefecture
            if row.get("prefecture"):
                place.prefecture = Prefecture.objects.filter(name=row["prefecture"]).first()
                if place.prefecture is None:
                    raise FixtureError(path, row_label, f"unknown prefecture {row['prefecture']!r}")
            places[place.name] = _save(place, path, row_label)

        self._load_rows(
            case,
            record,
            "challenges",
            Challenge,
            path,
            label,
            lambda row: {"text": _text(row.get("text"))},
        )
        self._load_rows(
            case,
            record,
            "points",
            CasePoint,
            path,
            label,
            lambda row: {"point": row.get("point"), "text": _text(row.get("text"))},
        )
        self._load_rows(
            case,
            record,
            "citations",
            Citation,
            path,
            label,
            lambda row: {"page": _text(row.get("page")), "note": _text(row.get("note"))},
        )
        self._load_rows(
            case,
            record,
            "actors",
            Actor,
            path,
            label,
            lambda row: {
                "organization": self._organization(row.get("organization")),
                "role": _text(row.get("role")),
                "note": _text(row.get("note")),
            },
        )
        self._load_rows(
            case,
            record,
            "funding",
            Funding,
            path,
            label,
            lambda row: {
                "kind": _text(row.get("kind")),
                "provider": self._organization(row["provider"]) if row.get("provider") else None,
                "amount_yen": row.get("amount_yen"),
                "amount_as_printed": _text(row.get("amount_as_printed")),
                "year": row.get("year"),
                "month": row.get("month"),
                "date_as_printed": _text(row.get("date_as_printed")),
                "note": _text(row.get("note")),
            },
        )
        self._load_rows(
            case,
            record,
            "infrastructure",
            Infrastructure,
            path,
            label,
            lambda row: {
                "kind": _text(row.get("kind")),
                "name": _text(row.get("name")),
                "description": _text(row.get("description")),
            },
        )
        self._load_rows(
            case,
            record,
            "figures",
            KeyFigure,
            path,
            label,
            lambda row: {
                "kind": _text(row.get("kind")) or KeyFigure.Kind.OTHER,
                "place": self._place(places, row.get("place")),
                "label": _text(row.get("label")),
                "qualifier": _text(row.get("qualifier")),
                "value": self._decimal(row.get("value")),
                "unit": _text(row.get("unit")),
                "as_printed": _text(row.get("as_printed")),
                "as_of_label": _text(row.get("as_of_label")),
                "as_of_year": row.get("as_of_year"),
                "as_of_month": row.get("as_of_month"),
                "undated": bool(row.get("undated")),
            },
        )
        self._load_rows(
            case,
            record,
            "milestones",
            Milestone,
            path,
            label,
            lambda row: {
                "year": row.get("year"),
                "month": row.get("month"),
                "date_as_printed": _text(row.get("date_as_printed")),
                "label": _text(row.get("label")),
            },
        )
        return case

    def _rows(self, record, key, path, label):
        rows = record.get(key) or []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise FixtureError(path, label, f"'{key}' must be a list of records")
        for index, row in enumerate(rows):
            _unknown_keys(row, ROW_FIELDS[key], path, f"{label}, {key}[{index}]")
        return rows

    def _load_rows(self, case, record, key, model, path, label, values):
        for index, row in enumerate(self._rows(record, key, path, label)):
            row_label = f"{label}, {key}[{index}]"
            try:
                fields = values(row)
            except LookupError as error:
                raise FixtureError(path, row_label, error.args[0]) from error
            source_key = row.get("source")
            if source_key not in self.sources:
                raise FixtureError(path, row_label, f"unknown source {source_key!r}")
            _save(
                model(
                    case=case,
                    position=index,
                    source=self.sources[source_key],
                    section=_text(row.get("section")),
                    **fields,
                ),
                path,
                row_label,
            )

    def _organization(self, name):
        try:
            return self.organizations[name]
        except KeyError:
            raise LookupError(
                f"unknown organisation {name!r} (not in organizations.yaml)"
            ) from None

    @staticmethod
    def _place(places, name):
        if not name:
            return None
        try:
            return places[name]
        except KeyError:
            raise LookupError(f"place {name!r} is not one of the case's places") from None

    @staticmethod
    def _decimal(value):
        if value in (None, ""):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise LookupError(f"value {value!r} is not a number") from None


def load(directory, *, prune=False, ignore_prefixes=()):
    """Load reference data and every fixture in one transaction; return a LoadReport.

    Cases whose slug starts with one of `ignore_prefixes` are neither reported nor pruned.
    """
    fixtures = read_fixtures(directory)
    report = LoadReport()
    with transaction.atomic():
        load_reference_data()
        loader = _Loader(fixtures, report, ignore_prefixes)
        loader.load_sources()
        loader.load_themes()
        loader.load_organizations()
        loader.load_cases()
        if prune and report.not_in_fixtures:
            Case.objects.filter(slug__in=report.not_in_fixtures).delete()
        for case in Case.objects.filter(pk__in=loader.reindex):
            case.refresh_index()
    return report


# Exporting -----------------------------------------------------------------------------------


def _write(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        return True
    return False


def export(directory, *, ignore_prefixes=()):
    """Write the database into the fixture files; return the paths that changed.

    Cases and organisations whose slug starts with one of `ignore_prefixes` are left out.
    """
    directory = Path(directory)
    cases_dir = directory / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    organizations = _leaving_out(Organization.objects.all(), ignore_prefixes)
    lists = {
        "sources.yaml": [
            source_record(s) for s in sorted(SourceDocument.objects.all(), key=lambda s: s.key)
        ],
        "themes.yaml": [theme_record(t) for t in Theme.objects.order_by("position", "key")],
        "organizations.yaml": [
            organization_record(o) for o in sorted(organizations, key=lambda o: o.name)
        ],
    }
    for name, records in lists.items():
        if _write(directory / name, dump_yaml(records)):
            changed.append(directory / name)
    slugs = set()
    cases = _leaving_out(Case.objects.all(), ignore_prefixes)
    for case in cases.prefetch_related("themes", "related"):
        slugs.add(case.slug)
        path = cases_dir / f"{case.slug}.yaml"
        if _write(path, dump_yaml(case_record(case))):
            changed.append(path)
    for path in cases_dir.glob("*.yaml"):
        if path.stem not in slugs:
            path.unlink()
            changed.append(path)
    return changed
