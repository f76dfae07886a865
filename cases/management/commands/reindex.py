"""Re-derive every case's search text, sort keys and facet rows (after adding a facet, say)."""

from django.core.management.base import BaseCommand, CommandError

from cases import indexing, progress
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Recompute the search text, sort keys and CaseFacet rows of every case (or of the given "
        "slugs) from its rows, in batches of one transaction each (a progress bar on a terminal)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Only these cases (default: all).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=indexing.DEFAULT_BATCH_SIZE,
            help="Cases per transaction.",
        )
        progress.add_argument(parser)

    def handle(self, *args, slugs, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cases = Case.objects.all()
        if slugs:
            cases = cases.filter(slug__in=slugs)
            unknown = sorted(set(slugs) - set(cases.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"No case has the slug: {', '.join(unknown)}")
        with progress.bars(options)(total=cases.count(), unit="case") as bar:
            done = indexing.refresh(cases, batch_size=batch_size, progress=bar.update)
        self.stdout.write(f"Reindexed {done} cases.")
