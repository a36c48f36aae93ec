"""`manage.py restore PATH [--noinput]`: restore an archive of `manage.py backup` into an
empty database and media store, checking it against its manifest (clinic.backup)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from clinic import backup


class Command(BaseCommand):
    help = "Restore a backup into an empty database and media store (see docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="An archive written by `manage.py backup`.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")

    def handle(self, *args, path, interactive, **options):
        target = connections["default"].settings_dict["NAME"]
        if interactive:
            answer = input(f"Restore {path} into the database {target} and the media store? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            report = backup.restore(path, passphrase=settings.BACKUP_PASSPHRASE)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        made = report.manifest
        self.stdout.write(
            f"Restored the backup of {made['created_at']} (Pigment {made['pigment_version']}): "
            f"{report.tables} tables, {report.rows} rows and {report.files} files, all matching the manifest."
        )
        if report.pending_migrations:
            self.stdout.write(f"This code has {len(report.pending_migrations)} newer migration(s): "
                              "run `manage.py migrate` next.")
