from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases import progress
from cases.fixtures import FixtureError, export


class Command(BaseCommand):
    help = "Write the catalogue in the database back into the fixture files."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(settings.CATALOGUE_FIXTURES_DIR))
        parser.add_argument(
            "--ignore-prefix",
            action="append",
            default=[],
            dest="ignore_prefixes",
            metavar="PREFIX",
            help="Leave out cases and organisations whose slug starts with PREFIX: "
            "data that is not the catalogue's (repeatable).",
        )
        progress.add_argument(parser)

    def handle(self, *args, fixtures, ignore_prefixes, **options):
        try:
            changed = export(
                fixtures, ignore_prefixes=ignore_prefixes, progress=progress.bars(options)
            )
        except FixtureError as error:
            raise CommandError(f"Export stopped. {error}") from error
        for path in changed:
            self.stdout.write(f"wrote {path}")
        self.stdout.write(self.style.SUCCESS(f"Exported; {len(changed)} file(s) changed."))
