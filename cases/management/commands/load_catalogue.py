from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases import progress
from cases.fixtures import FixtureError, load


class Command(BaseCommand):
    help = "Load the reference data and every curated fixture, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures",
            default=str(settings.CATALOGUE_FIXTURES_DIR),
            help="Directory holding sources.yaml, themes.yaml, organizations.yaml and cases/.",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete cases that are in the database but have no fixture file.",
        )
        parser.add_argument(
            "--ignore-prefix",
            action="append",
            default=[],
            dest="ignore_prefixes",
            metavar="PREFIX",
            help="Neither report nor prune cases whose slug starts with PREFIX: "
            "data that is not the catalogue's (repeatable).",
        )
        progress.add_argument(parser)

    def handle(self, *args, fixtures, prune, ignore_prefixes, **options):
        try:
            report = load(
                fixtures,
                prune=prune,
                ignore_prefixes=ignore_prefixes,
                progress=progress.bars(options),
            )
        except FixtureError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Catalogue loaded."))
