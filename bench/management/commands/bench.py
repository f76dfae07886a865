"""Measure browse, search, detail and the admin peer at scale, in-process (see `make bench`)."""

import json
import math
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from bench import synthetic
from cases import progress
from cases.facets.index import current_index
from cases.models import (
    Actor,
    Case,
    CaseFacet,
    CasePoint,
    Challenge,
    Citation,
    Funding,
    Infrastructure,
    KeyFigure,
    Milestone,
    Place,
    Theme,
)

BENCH_USER = "bench-admin"
THEME = "transport-redesign"
TWO_FACETS = [("theme", THEME), ("org", "municipality")]
FOUR_FACETS = [*TWO_FACETS, ("region", "kanto"), ("pop", "10k-50k")]
# The near filter's origin: 伊那市 (全国地方公共団体コード), central, with towns all around it.
NEAR_ORIGIN = "202096"
NEAR_KM = 50
SEARCH_2CHAR = "交通"
SEARCH_3CHAR = "自治体"
# Longer than the index's grams (migration 0007): the texts of the candidates must be read.
SEARCH_5CHAR = "まちづくり"
# Targets from the issue: browse and search medians, the detail page, and browse against the
# admin's own changelist with the same two filters.
BROWSE_TARGET_MS = 50
DETAIL_TARGET_MS = 15
# The overview draws a chart per facet and two cross-tabulations, all counted from the index.
OVERVIEW_TARGET_MS = 100
ADMIN_RATIO_TARGET = 3
# An editor saves a case: the browse requests after it may cost at most this many times the
# browse median (each process applies the change to its index instead of rebuilding it).
AFTER_SAVE = "browse_after_save"
AFTER_SAVE_REQUESTS = 50
AFTER_SAVE_RATIO_TARGET = 4
# A selection's feed costs no more than its browse page (issue 17).
FEED_RATIO = "feed_over_browse_2_facets"
FEED_RATIO_TARGET = 1
# Production-like (DEBUG off, so no query log), reachable by the test client, no HTTPS redirect.
BENCH_SETTINGS = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "SECURE_SSL_REDIRECT": False,
}
# Searches timed without the process's cache of recent searches: a word nobody asked for yet.
COLD_SEARCH = {"search_2char_cold", "search_3char_cold", "search_5char_cold"}
# Scenarios measured with the cache switched off: what a page costs the first time it is asked
# for in a catalogue version. Anonymous browse, search and JSON responses are cached whole
# (cases.http_cache), so these measure the page built from the index, as before that cache;
# browse_cached and detail measure what a repeat costs.
UNCACHED = {
    "detail_uncached",
    "browse_all",
    "browse_2_facets",
    "browse_4_facets",
    "browse_2_facets_organization",
    "search_2char",
    "search_3char",
    "search_and_facets",
    "json_2_facets",
    "csv_2_facets",
    "csv_all",
    # The feed, overview, map data and near pages are cached whole too: their targets are
    # for building them.
    "feed_2_facets",
    "overview_2_facets",
    "map_geojson_2_facets",
    "near_50km",
    AFTER_SAVE,
    *COLD_SEARCH,
}
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Command(BaseCommand):
    help = (
        "Fill the database with N synthetic cases if it holds fewer (or delete those beyond N), "
        "then time the public browse/search/detail pages and the admin changelist with "
        "django.test.Client. "
        "PostgreSQL only, unless --allow-sqlite."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000, help="Synthetic cases wanted.")
        progress.add_argument(parser)
        parser.add_argument("--json", help="Write the results as JSON to this path.")
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per scenario.")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first.")
        parser.add_argument("--seed", type=int, default=0, help="Seed for generated cases.")
        parser.add_argument(
            "--organizations",
            type=int,
            default=synthetic.DEFAULT_ORGANIZATION_POOL,
            help="Synthetic organisation pool, when cases have to be generated.",
        )
        parser.add_argument(
            "--only",
            action="append",
            metavar="SCENARIO",
            help="Measure only this scenario (repeatable); the default is all of them.",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN ANALYZE of the slowest query of every scenario that misses its "
            "target (PostgreSQL).",
        )
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="Run on a database other than PostgreSQL (figures not comparable).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" and not options["allow_sqlite"]:
            raise CommandError(
                f"The bench runs on PostgreSQL (this database is {connection.vendor}); "
                "set DATABASE_URL, or pass --allow-sqlite."
            )
        if options["cases"] <= 0 or options["runs"] <= 0 or options["warmup"] < 0:
            raise CommandError("--cases and --runs must be positive, --warmup not negative.")
        try:
            self.prepare_data(options)
        except synthetic.SyntheticDataError as error:
            raise CommandError(str(error)) from error
        scenarios = self.scenarios()
        if options["only"]:
            unknown = set(options["only"]) - set(scenarios)
            if unknown:
                raise CommandError(
                    f"Unknown scenario(s): {', '.join(sorted(unknown))}. "
                    f"Known: {', '.join(scenarios)}."
                )
            scenarios = {name: url for name, url in scenarios.items() if name in options["only"]}
        with override_settings(**BENCH_SETTINGS):
            results = self.measure(scenarios, options["runs"], options["warmup"])
        ratio = None
        if {"browse_2_facets", "admin_changelist_2_facets"} <= set(results):
            browse = results["browse_2_facets"]["median_ms"]
            ratio = results["admin_changelist_2_facets"]["median_ms"] / browse
        ratios = {"admin_over_browse_2_facets": round(ratio, 2)} if ratio else {}
        if {"browse_2_facets", "feed_2_facets"} <= set(results):
            ratios[FEED_RATIO] = round(
                results["feed_2_facets"]["median_ms"] / results["browse_2_facets"]["median_ms"], 2
            )
        if AFTER_SAVE in results:
            ratios["after_save_worst_over_browse"] = results[AFTER_SAVE]["worst_over_median"]
        report = {
            "scenarios": results,
            "ratios": ratios,
            "cases": synthetic.synthetic_cases().count(),
            "database": connection.vendor,
        }
        with override_settings(**BENCH_SETTINGS):
            matches = self.result_counts(scenarios)
        self.print_table(scenarios, results, ratio, matches, ratios)
        if options["explain"] and connection.vendor == "postgresql":
            with override_settings(**BENCH_SETTINGS):
                self.explain_misses(scenarios, results)
        if options["json"]:
            path = Path(options["json"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
            self.stdout.write(f"Wrote {path}")

    # Data ----------------------------------------------------------------------------------------

    def prepare_data(self, options):
        wanted = options["cases"]
        present = synthetic.synthetic_cases().count()
        if present == wanted:
            self.stdout.write(f"{present:,} synthetic cases present.")
            return
        started = time.perf_counter()
        if present < wanted:
            self.stdout.write(
                f"{present:,} synthetic cases present; generating {wanted - present:,}"
            )

            def log(done, total):
                if done == total or done % 10_000 == 0:
                    elapsed = time.perf_counter() - started
                    self.stdout.write(f"  {done:,}/{total:,} ({elapsed:.0f} s)")

            count = wanted - present
            with progress.reporting(options, total=count, unit="case", otherwise=log) as report:
                synthetic.generate(
                    count,
                    seed=options["seed"],
                    organization_pool=options["organizations"],
                    progress=report,
                )
        else:
            self.stdout.write(f"{present:,} synthetic cases present; keeping the first {wanted:,}")
            synthetic.delete(keep=wanted)
        self.stdout.write(f"Synthetic data ready in {time.perf_counter() - started:.1f} s.")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics and visibility maps, as autovacuum would leave a live database.
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            self.stdout.write(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s.")

    def detail_slug(self):
        """A synthetic case that has rows of every kind the detail page shows."""
        cases = synthetic.synthetic_cases().order_by("slug")
        full = cases
        for model in (
            Place,
            Citation,
            Actor,
            Funding,
            Infrastructure,
            KeyFigure,
            Milestone,
            Challenge,
            CasePoint,
        ):
            full = full.filter(Exists(model.objects.filter(case=OuterRef("pk"))))
        case = full.first() or cases.first()
        return case.slug

    def busiest_organization(self):
        """The slug of the organisation the most cases name: its option is on every page."""
        busiest = (
            CaseFacet.objects.filter(facet="organization")
            .values("value")
            .annotate(n=Count("case"))
            .order_by("-n", "value")
            .first()
        )
        if busiest is None:
            raise CommandError("No case names an organisation: run `manage.py reindex` first.")
        return busiest["value"]

    def scenarios(self):
        browse = reverse("cases:case_list")
        theme = Theme.objects.filter(key=THEME).first()
        if theme is None:
            raise CommandError(f"No theme {THEME!r}: run load_catalogue first.")
        admin_filters = [
            ("themes__id__exact", theme.pk),
            ("actors__organization__kind__exact", "municipality"),
        ]
        detail = reverse("cases:case_detail", kwargs={"slug": self.detail_slug()})
        with_organization = [*TWO_FACETS, ("organization", self.busiest_organization())]
        return {
            "browse_all": browse,
            "browse_cached": browse,
            "browse_2_facets": f"{browse}?{urlencode(TWO_FACETS)}",
            AFTER_SAVE: f"{browse}?{urlencode(TWO_FACETS)}",
            "browse_4_facets": f"{browse}?{urlencode(FOUR_FACETS)}",
            # The same selection with one organisation chosen in the 関係主体 facet.
            "browse_2_facets_organization": f"{browse}?{urlencode(with_organization)}",
            "search_2char": f"{browse}?{urlencode([('q', SEARCH_2CHAR)])}",
            "search_3char": f"{browse}?{urlencode([('q', SEARCH_3CHAR)])}",
            "search_2char_cold": f"{browse}?{urlencode([('q', SEARCH_2CHAR)])}",
            "search_3char_cold": f"{browse}?{urlencode([('q', SEARCH_3CHAR)])}",
            "search_5char_cold": f"{browse}?{urlencode([('q', SEARCH_5CHAR)])}",
            "search_and_facets": f"{browse}?{urlencode([('q', SEARCH_2CHAR), *TWO_FACETS])}",
            "detail": detail,
            "detail_uncached": detail,
            "json_2_facets": f"{browse}?{urlencode([*TWO_FACETS, ('format', 'json')])}",
            # The CSV streams its rows; timed to the last byte. Anonymous exports stop at
            # settings.CSV_ANONYMOUS_ROW_LIMIT rows: csv_all is the largest a reader can ask for.
            "csv_2_facets": f"{browse}?{urlencode([*TWO_FACETS, ('format', 'csv')])}",
            "csv_all": f"{browse}?format=csv",
            # The same selection's Atom feed: it must cost no more than its browse page.
            "feed_2_facets": f"{reverse('cases:feed')}?{urlencode(TWO_FACETS)}",
            "overview_2_facets": f"{reverse('cases:case_overview')}?{urlencode(TWO_FACETS)}",
            "map_geojson_2_facets": (f"{browse}?{urlencode([*TWO_FACETS, ('format', 'geojson')])}"),
            "near_50km": f"{browse}?{urlencode([('near', NEAR_ORIGIN), ('km', NEAR_KM)])}",
            "admin_changelist_2_facets": (
                f"{reverse('admin:cases_case_changelist')}?"
                f"{urlencode([('_facets', 'True'), *admin_filters])}"
            ),
        }

    # Measuring -----------------------------------------------------------------------------------

    def admin_client(self):
        user_model = get_user_model()
        user = user_model.objects.filter(username=BENCH_USER).first()
        if user is None:
            user = user_model.objects.create_superuser(BENCH_USER, "bench@example.invalid")
        elif not (user.is_superuser and user.is_staff and user.is_active):
            user.is_superuser = user.is_staff = user.is_active = True
            user.save(update_fields=["is_superuser", "is_staff", "is_active"])
        client = Client()
        client.force_login(user)
        return client

    def get(self, client, name, url):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{name}: GET {url} answered {response.status_code}, not 200.")
        if response.streaming:
            # A streamed file costs its whole body: read it to the end, as a download does.
            response.streamed_bytes = sum(len(chunk) for chunk in response.streaming_content)
        return response

    def measure(self, scenarios, runs, warmup):
        public, admin = Client(), self.admin_client()
        results = {}
        for name, url in scenarios.items():
            if name == AFTER_SAVE:
                with self.cache_for(name):
                    results[name] = self.measure_after_save(public, url, warmup)
                self.stderr.write(f"  {name}: worst {results[name]['worst_ms']} ms", ending="\n")
                continue
            client = admin if name.startswith("admin_") else public
            with self.cache_for(name):
                for _ in range(warmup):
                    self.get(client, name, url)
                if name in COLD_SEARCH:
                    current_index().searches.clear()
                with CaptureQueriesContext(connection) as queries:
                    response = self.get(client, name, url)
                # Read now: the next request clears the connection's query log.
                query_count = len(queries.captured_queries)
                streamed = getattr(response, "streamed_bytes", None)
                timings = []
                for _ in range(runs):
                    if name in COLD_SEARCH:
                        current_index().searches.clear()
                    started = time.perf_counter()
                    self.get(client, name, url)
                    timings.append((time.perf_counter() - started) * 1000)
            results[name] = {
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(percentile(timings, 0.95), 2),
                "queries": query_count,
            }
            if streamed is not None:
                results[name]["bytes"] = streamed
            self.stderr.write(f"  {name}: {results[name]['median_ms']} ms", ending="\n")
        return results

    def measure_after_save(self, client, url, warmup):
        """Save one case as an editor does, then time the next browse requests.

        The worst of them is compared with the median of as many requests before the save:
        the process must take the change in without making a reader wait for a rebuild.
        """
        for _ in range(warmup):
            self.get(client, AFTER_SAVE, url)
        before = []
        for _ in range(AFTER_SAVE_REQUESTS):
            started = time.perf_counter()
            self.get(client, AFTER_SAVE, url)
            before.append((time.perf_counter() - started) * 1000)
        case = synthetic.synthetic_cases().order_by("slug").first()
        title = case.title
        # A new title moves the case in every order: the most an edit asks of the index.
        self.save_as_editor(case, f"改訂{title}"[: Case._meta.get_field("title").max_length])
        try:
            timings = []
            for number in range(AFTER_SAVE_REQUESTS):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    self.get(client, AFTER_SAVE, url)
                    timings.append((time.perf_counter() - started) * 1000)
                if number == 0:
                    # The request that takes the change in: its queries read the change.
                    query_count = len(queries.captured_queries)
        finally:
            self.save_as_editor(case, title)
        median = statistics.median(before)
        worst = max(timings)
        return {
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "queries": query_count,
            "worst_ms": round(worst, 2),
            # The request that applied the change, to tell its cost from the machine's noise.
            "first_after_save_ms": round(timings[0], 2),
            "median_before_save_ms": round(median, 2),
            "worst_over_median": round(worst / median, 2),
        }

    @staticmethod
    def save_as_editor(case, title):
        """What the admin does on saving a case: save it, then refresh its index."""
        case.title = title
        case.save()
        case.refresh_index()

    @staticmethod
    def cache_for(name):
        return override_settings(**({"CACHES": NO_CACHE} if name in UNCACHED else {}))

    @staticmethod
    def target(name):
        if name.startswith("detail"):
            return DETAIL_TARGET_MS
        if name.startswith("overview"):
            return OVERVIEW_TARGET_MS
        # The admin is compared with browse; a CSV has no target of its own, it is timed.
        return None if name.startswith(("admin_", "csv_")) else BROWSE_TARGET_MS

    def explain_misses(self, scenarios, results):
        """EXPLAIN ANALYZE the slowest query of each scenario over its target (and the admin's)."""
        public, admin = Client(), self.admin_client()
        for name, url in scenarios.items():
            target = self.target(name)
            if target is not None and results[name]["median_ms"] <= target:
                continue
            client = admin if name.startswith("admin_") else public
            with self.cache_for(name), CaptureQueriesContext(connection) as queries:
                self.get(client, name, url)
            slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
            total = sum(float(query["time"]) for query in queries.captured_queries)
            self.stdout.write(
                f"\n== {name}: slowest of {len(queries.captured_queries)} queries "
                f"{float(slowest['time']) * 1000:.1f} ms (all queries {total * 1000:.1f} ms)"
            )
            self.stdout.write(slowest["sql"])
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
                for (line,) in cursor.fetchall():
                    self.stdout.write(line)

    def result_counts(self, scenarios):
        """How many cases each browse scenario finds (from its JSON), to show in the report."""
        client, counts = Client(), {}
        browse = reverse("cases:case_list")
        for name, url in scenarios.items():
            # The browse page only: /cases/feed/ also starts with /cases/.
            if url.partition("?")[0] == browse and "format=" not in url:
                separator = "&" if "?" in url else "?"
                response = self.get(client, name, f"{url}{separator}format=json")
                counts[name] = json.loads(response.content).get("count")
        return counts

    def print_table(self, scenarios, results, ratio, matches, ratios):
        self.stdout.write(
            f"\n{synthetic.synthetic_cases().count():,} synthetic cases, {connection.vendor}"
        )
        self.stdout.write(
            f"{'scenario':<27} {'median ms':>10} {'p95 ms':>10} {'queries':>8}  target"
        )
        for name, figures in results.items():
            target = self.target(name)
            verdict = ""
            if target is not None:
                verdict = f"≤{target} " + ("ok" if figures["median_ms"] <= target else "MISS")
            self.stdout.write(
                f"{name:<27} {figures['median_ms']:>10.1f} {figures['p95_ms']:>10.1f} "
                f"{figures['queries']:>8}  {verdict}"
            )
        if ratio is not None:
            verdict = "ok" if ratio >= ADMIN_RATIO_TARGET else "MISS"
            self.stdout.write(
                f"admin / browse_2_facets: {ratio:.2f}x (target ≥{ADMIN_RATIO_TARGET}x) {verdict}"
            )
        if FEED_RATIO in ratios:
            verdict = "ok" if ratios[FEED_RATIO] <= FEED_RATIO_TARGET else "MISS"
            self.stdout.write(
                f"feed / browse_2_facets: {ratios[FEED_RATIO]:.2f}x "
                f"(target ≤{FEED_RATIO_TARGET}x) {verdict}"
            )
        if AFTER_SAVE in results:
            figures = results[AFTER_SAVE]
            verdict = "ok" if figures["worst_over_median"] <= AFTER_SAVE_RATIO_TARGET else "MISS"
            self.stdout.write(
                f"after a save, worst of {AFTER_SAVE_REQUESTS} browse requests: "
                f"{figures['worst_ms']:.1f} ms = {figures['worst_over_median']:.2f}x the median "
                f"before it ({figures['median_before_save_ms']:.1f} ms; target "
                f"≤{AFTER_SAVE_RATIO_TARGET}x) {verdict}; the first, which applied the change: "
                f"{figures['first_after_save_ms']:.1f} ms"
            )
        self.stdout.write("URLs:")
        for name, url in scenarios.items():
            found = f" ({matches[name]:,} cases)" if matches.get(name) is not None else ""
            self.stdout.write(f"  {name}: {url}{found}")
