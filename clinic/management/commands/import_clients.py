"""manage.py import_clients FILE --clinic SLUG [--dry-run]: a clinic's clients and plans from a
CSV or XLSX file (R20). Every problem is printed as `line 7: ...`; any problem and nothing
is written (exit status 1)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinic.client_import import ImportFileError, import_clients
from clinic.models import Clinic


class Command(BaseCommand):
    help = "Import clients and plans from a CSV or XLSX file (dry run first with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--dry-run", action="store_true", help="check every line, write nothing")

    def handle(self, *args, file, clinic, dry_run, **options):
        try:
            target = Clinic.objects.get(slug=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f'No clinic with the slug "{clinic}".') from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            report = import_clients(path.read_bytes(), target, filename=path.name, dry_run=dry_run)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for column in report.unknown_columns:
            self.stderr.write(f'unknown column, ignored: "{column}"')
        for problem in report.problems:
            self.stdout.write(str(problem))
        if report.problems:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
