"""The synthetic-data generator and the bench command (issue: measured at scale)."""

import io
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bench import synthetic
from cases.models import Actor, Case, CaseFacet, KeyFigure, Organization, Place

pytestmark = pytest.mark.django_db

COUNT = 30


def generate(count=COUNT, **options):
    out = io.StringIO()
    call_command(
        "generate_synthetic_cases",
        count=count,
        seed=options.pop("seed", 7),
        organizations=options.pop("organizations", 40),
        stdout=out,
        **options,
    )
    return out.getvalue()


def derived(case):
    case.refresh_from_db()
    facets = sorted(case.facet_values.values_list("facet", "value"))
    return (
        case.search_text,
        case.search_title,
        case.population,
        case.latest_source_year,
        case.prefecture_code,
        facets,
    )


@pytest.fixture
def cases():
    generate()
    return list(synthetic.synthetic_cases().order_by("slug"))


def test_bulk_path_equals_refresh_index(cases):
    assert len(cases) == COUNT
    for case in cases:
        before = derived(case)
        case.refresh_index()
        assert derived(case) == before, case.slug


def test_synthetic_cases_look_like_the_catalogue(cases):
    assert {case.status for case in cases} == {Case.Status.PUBLISHED}
    assert all(case.slug.startswith("synthetic-") for case in cases)
    assert all(case.title and case.summary and case.search_text for case in cases)
    # Each has a valid reading (the 「事例名」 sort orders them as it orders curated cases),
    # starting with its place's when the title does (pattern 「北見市の…」).
    for case in cases:
        case.full_clean(validate_unique=False, validate_constraints=False)
        assert case.title_kana, case.title
        place = case.places.select_related("municipality").first()
        if place and place.municipality and case.title.startswith(place.municipality.name):
            assert case.title_kana.startswith(place.municipality.kana), case.title
    assert any(case.prefecture_code for case in cases)
    # Most cases have no 2025 類型.
    assert sum(1 for case in cases if not case.type_2025) > COUNT / 2
    facets = Counter(CaseFacet.objects.filter(case__in=cases).values_list("facet", flat=True))
    for facet in ("theme", "pref", "region", "scope", "pop", "org", "source"):
        assert facets[facet], facet
    assert any(case.population for case in cases)
    population = KeyFigure.objects.filter(case__in=cases, kind=KeyFigure.Kind.POPULATION)
    assert population.filter(place__kind=Place.Kind.MUNICIPALITY, undated=True).exists()
    figure = population.filter(unit="万人").first()
    assert figure.as_printed.endswith("万人")
    # Organisations are synthetic and shared across cases.
    actors = Actor.objects.filter(case__in=cases).select_related("organization")
    assert all(actor.organization.name.startswith("試験") for actor in actors)
    per_organization = Counter(actor.organization_id for actor in actors)
    assert max(per_organization.values()) > 1


def test_generation_is_reproducible_and_continues_numbering():
    generate(count=3, seed=1)
    first = list(synthetic.synthetic_cases().order_by("slug").values_list("slug", "title"))
    synthetic.delete()
    generate(count=3, seed=1)
    again = list(synthetic.synthetic_cases().order_by("slug").values_list("slug", "title"))
    assert again == first
    generate(count=2, seed=1)
    slugs = list(synthetic.synthetic_cases().order_by("slug").values_list("slug", flat=True))
    assert slugs == [f"synthetic-{n:06d}" for n in range(1, 6)]


def test_delete_removes_synthetic_data_and_nothing_else():
    curated = {
        "cases": Case.objects.count(),
        "organizations": Organization.objects.count(),
        "facets": CaseFacet.objects.count(),
        "places": Place.objects.count(),
        "actors": Actor.objects.count(),
    }
    generate()
    assert Case.objects.count() == curated["cases"] + COUNT
    out = io.StringIO()
    call_command("generate_synthetic_cases", delete=True, stdout=out)
    assert f"Deleted {COUNT} synthetic case(s) and 40 synthetic organisation(s)" in out.getvalue()
    assert not synthetic.synthetic_cases().exists()
    assert not synthetic.synthetic_organizations().exists()
    assert {
        "cases": Case.objects.count(),
        "organizations": Organization.objects.count(),
        "facets": CaseFacet.objects.count(),
        "places": Place.objects.count(),
        "actors": Actor.objects.count(),
    } == curated


def test_delete_keep_trims_to_the_first_cases():
    generate(count=5)
    synthetic.delete(keep=2)
    slugs = list(synthetic.synthetic_cases().order_by("slug").values_list("slug", flat=True))
    assert slugs == ["synthetic-000001", "synthetic-000002"]
    assert not CaseFacet.objects.filter(case__slug="synthetic-000003").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the settings are PostgreSQL's")
def test_generation_gives_the_session_its_settings_back():
    def settings():
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()
            cursor.execute("SHOW gin_pending_list_limit")
            return work_mem, cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '12MB'")
    before = settings()
    assert before == (("12MB",), ("4MB",))
    generate(count=2)
    assert settings() == before


def test_generate_needs_a_count():
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_synthetic_cases")


def test_bench_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", cases=5, stdout=io.StringIO())


def test_bench_measures_every_scenario(tmp_path):
    path = tmp_path / "bench.json"
    out = io.StringIO()
    call_command(
        "bench",
        cases=8,
        runs=2,
        warmup=1,
        json=str(path),
        allow_sqlite=True,
        organizations=20,
        explain=True,  # EXPLAIN ANALYZE of the admin's slowest query, on PostgreSQL
        stdout=out,
    )
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["cases"] == 8
    assert result["database"] == connection.vendor
    assert set(result["scenarios"]) == {
        "browse_all",
        "browse_cached",
        "browse_2_facets",
        "browse_after_save",
        "browse_4_facets",
        "browse_2_facets_organization",
        "search_2char",
        "search_3char",
        "search_2char_cold",
        "search_3char_cold",
        "search_5char_cold",
        "search_and_facets",
        "detail",
        "detail_uncached",
        "json_2_facets",
        "csv_2_facets",
        "csv_all",
        "feed_2_facets",
        "overview_2_facets",
        "map_geojson_2_facets",
        "near_50km",
        "admin_changelist_2_facets",
    }
    after_save = result["scenarios"].pop("browse_after_save")
    assert after_save["worst_ms"] >= after_save["median_ms"] > 0
    assert after_save["worst_over_median"] > 0
    assert result["ratios"]["after_save_worst_over_browse"] == after_save["worst_over_median"]
    # The first request after the save reads the change: the version, the IndexChange rows,
    # the changed case, its facet rows and its title's rank, besides the page's own queries.
    assert after_save["queries"] > result["scenarios"]["browse_2_facets"]["queries"]
    assert "after a save, worst of 50 browse requests" in out.getvalue()
    # The CSVs are read to their last byte: what a download costs, not its first chunk.
    for name in ("csv_2_facets", "csv_all"):
        assert result["scenarios"][name].pop("bytes") > len("\ufeff".encode()), name
    assert "csv_all" in out.getvalue()
    for name, figures in result["scenarios"].items():
        assert set(figures) == {"median_ms", "p95_ms", "queries"}, name
        assert figures["median_ms"] > 0
        assert figures["queries"] >= 1, (name, result)
    assert result["ratios"]["admin_over_browse_2_facets"] > 0
    assert result["ratios"]["feed_over_browse_2_facets"] == round(
        result["scenarios"]["feed_2_facets"]["median_ms"]
        / result["scenarios"]["browse_2_facets"]["median_ms"],
        2,
    )
    assert "feed / browse_2_facets:" in out.getvalue()
    # The cached page costs only the catalogue version's query; uncached it is built anew.
    assert result["scenarios"]["detail"]["queries"] == 1
    assert result["scenarios"]["detail_uncached"]["queries"] > 1
    assert "admin_changelist_2_facets" in out.getvalue()
    assert re.search(r"overview_2_facets .* ≤100 (ok|MISS)", out.getvalue())
    if connection.vendor == "postgresql":
        assert "== admin_changelist_2_facets: slowest of" in out.getvalue()
        assert "Execution Time" in out.getvalue()
    assert synthetic.synthetic_cases().count() == 8


def test_synthetic_cases_are_left_out_of_export_and_load_when_the_bench_says_so(tmp_path):
    call_command("generate_synthetic_cases", "--count", "3", "--seed", "7", stdout=io.StringIO())
    ignore = ["--ignore-prefix", synthetic.IGNORE_PREFIX]
    call_command("export_catalogue", "--fixtures", str(tmp_path), *ignore, stdout=io.StringIO())
    assert not list((tmp_path / "cases").glob("synthetic-*.yaml"))
    assert "試験" not in (tmp_path / "organizations.yaml").read_text(encoding="utf-8")
    out = io.StringIO()
    call_command("load_catalogue", *ignore, stdout=out)
    assert "synthetic-" not in out.getvalue()
    # The catalogue itself knows nothing of them: unnamed, they are cases without a file.
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    assert "synthetic-000001" in out.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_generation_draws_a_bar_on_a_terminal_and_logs_lines_elsewhere():
    bar = Terminal()
    out = io.StringIO()
    call_command("generate_synthetic_cases", count=4, batch_size=2, stdout=out, stderr=bar)
    assert "4/4" in bar.getvalue()
    assert "4/4 cases" not in out.getvalue()  # the bar replaces the log lines

    err = io.StringIO()
    out = io.StringIO()
    call_command("generate_synthetic_cases", count=4, batch_size=2, stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert "  4/4 cases" in out.getvalue()

    err = Terminal()
    call_command(
        "generate_synthetic_cases", "--no-progress", count=2, stdout=io.StringIO(), stderr=err
    )
    assert err.getvalue() == ""
