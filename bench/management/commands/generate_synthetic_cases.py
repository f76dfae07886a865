import time

from django.core.management.base import BaseCommand, CommandError

from bench import synthetic
from cases import progress


class Command(BaseCommand):
    help = (
        "Add synthetic published cases (slugs synthetic-…, organisations named 「試験…」) composed "
        "from the curated catalogue, for measuring the site at scale. Run load_catalogue first. "
        "Writes to the database only, never to the fixture files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=0, help="How many cases to add.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (reproducible).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=synthetic.DEFAULT_BATCH_SIZE,
            help="Cases per transaction and rows per INSERT.",
        )
        parser.add_argument(
            "--organizations",
            type=int,
            default=synthetic.DEFAULT_ORGANIZATION_POOL,
            help="Size of the pool of synthetic organisations the cases share.",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete every synthetic case and organisation (and nothing else).",
        )
        progress.add_argument(parser)

    def handle(self, *args, count, seed, batch_size, organizations, delete, **options):
        if delete:
            if count:
                raise CommandError("Give either --delete or --count, not both.")
            started = time.perf_counter()
            deleted = synthetic.delete()
            self.stdout.write(
                f"Deleted {deleted.get('case', 0)} synthetic case(s) and "
                f"{deleted.get('organization', 0)} synthetic organisation(s) "
                f"in {time.perf_counter() - started:.1f} s."
            )
            return
        if count <= 0:
            raise CommandError("Give --count N (N > 0), or --delete.")
        if batch_size <= 0 or organizations <= 0:
            raise CommandError("--batch-size and --organizations must be positive.")

        started = time.perf_counter()

        def log(done, total):
            if options["verbosity"] >= 1 and (done == total or done % (batch_size * 5) == 0):
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {done:,}/{total:,} cases ({elapsed:.0f} s)")

        try:
            with progress.reporting(options, total=count, unit="case", otherwise=log) as report:
                totals = synthetic.generate(
                    count,
                    seed=seed,
                    batch_size=batch_size,
                    organization_pool=organizations,
                    progress=report,
                )
        except synthetic.SyntheticDataError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        rows = ", ".join(f"{name} {n:,}" for name, n in totals.items())
        self.stdout.write(f"Rows written: {rows}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {count:,} synthetic case(s) in {elapsed:.1f} s "
                f"({synthetic.synthetic_cases().count():,} in the database)."
            )
        )
