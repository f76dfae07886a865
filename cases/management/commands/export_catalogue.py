from django.conf import settings
from django.core.management.base import BaseCommand

from cases.catalogue import export


class Command(BaseCommand):
    help = "Write the catalogue in the database back into the fixture files."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(settings.CATALOGUE_FIXTURES_DIR))

    def handle(self, *args, fixtures, **options):
        changed = export(fixtures)
        for path in changed:
            self.stdout.write(f"wrote {path}")
        self.stdout.write(self.style.SUCCESS(f"Exported; {len(changed)} file(s) changed."))
