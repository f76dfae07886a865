from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from cases.models import (
    Case,
    CaseType,
    CommonFactor,
    KeyFigure,
    Organization,
    SourceDocument,
    Theme,
)


class Command(BaseCommand):
    help = "Print how many published cases the catalogue holds per document, type and theme."

    def handle(self, *args, **options):
        published = Case.objects.published()
        self.stdout.write(f"published cases: {published.count()}")
        for value, label in Case.Kind.choices:
            self.stdout.write(f"  {published.filter(kind=value).count():4d}  {label}")
        self.stdout.write("\nper source document")
        for source in SourceDocument.objects.annotate(
            n=Count("citations__case", filter=Q(citations__case__status="published"), distinct=True)
        ).order_by("year", "key"):
            self.stdout.write(f"  {source.n:4d}  {source.key}  {source.short_title}")
        self.stdout.write("\nper 2025 type")
        for value, label in CaseType.choices:
            self.stdout.write(f"  {published.filter(type_2025=value).count():4d}  {label}")
        self.stdout.write(
            f"  {published.filter(type_2025='').count():4d}  （2025年報告書の分類なし）"
        )
        self.stdout.write("\nper theme")
        for theme in Theme.objects.annotate(
            n=Count("cases", filter=Q(cases__status="published"), distinct=True)
        ).order_by("position"):
            self.stdout.write(f"  {theme.n:4d}  {theme.name}（{theme.get_origin_display()}）")
        self.stdout.write(
            f"\norganisations: {Organization.objects.count()}, "
            f"key figures: {KeyFigure.objects.count()} "
            f"({KeyFigure.objects.filter(text_only=True).count()} text-only), "
            f"共通項: {CommonFactor.objects.count()}, "
            f"foreign cases: {published.filter(places__kind='foreign').distinct().count()}"
        )
