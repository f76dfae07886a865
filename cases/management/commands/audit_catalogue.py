from django.core.management.base import BaseCommand, CommandError

from cases.audit import audit
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Check the catalogue against the data rules no constraint holds (figures rebuilt from "
        "value, qualifier and unit; units; places; roles; start years). Exits 1 on problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="audit only these cases")

    def handle(self, *args, slugs, **options):
        cases = Case.objects.all()
        if slugs:
            cases = cases.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(cases.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No case has the slug: {', '.join(missing)}")
        problems = audit(cases)
        current = None
        for problem in problems:
            if problem.case != current:
                current = problem.case
                self.stdout.write(problem.case)
            self.stdout.write(f"  [{problem.check}] {problem.message}")
        audited = cases.count()
        if problems:
            affected = len({problem.case for problem in problems})
            raise CommandError(f"{len(problems)} problem(s) in {affected} of {audited} case(s).")
        self.stdout.write(self.style.SUCCESS(f"No problems in {audited} case(s)."))
