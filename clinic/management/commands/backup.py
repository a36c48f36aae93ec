"""`manage.py backup --output PATH`: one archive with the database, the clinical files and a
manifest (clinic.backup); encrypted with gpg when BACKUP_PASSPHRASE is set."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic import backup


class Command(BaseCommand):
    help = "Back up the database and the clinical files into one archive (see docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Archive to write (replaced atomically).")

    def handle(self, *args, output, **options):
        try:
            manifest = backup.create(output, passphrase=settings.BACKUP_PASSPHRASE)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        encrypted = "encrypted" if manifest["encrypted"] else "NOT encrypted (set BACKUP_PASSPHRASE)"
        self.stdout.write(
            f"Backed up {len(manifest['row_counts'])} tables ({rows} rows) and {len(manifest['media'])} "
            f"files to {output}, {encrypted}."
        )
