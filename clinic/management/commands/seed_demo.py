"""`manage.py seed_demo`: load the demo clinics, staff and clients once; print the logins.

Safe to re-run: when the demo is already there it only prints the logins."""

from django.conf import settings
from django.core.management.base import BaseCommand

from aftercare.services import plan_demo_messages
from clinic import demo


class Command(BaseCommand):
    help = "Load demo data (once) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--logins-only", action="store_true", help="Only print the logins.")

    def handle(self, *args, logins_only=False, **options):
        if not logins_only:
            if demo.demo_exists():
                self.stdout.write("Demo data is already loaded.")
            else:
                demo.seed()
                self.stdout.write(self.style.SUCCESS("Demo data loaded."))
            demo.ensure_demo_devices()  # also for a demo loaded before second factors existed
            if settings.DEBUG:
                # The demo's history was written directly, so plan its messages now and bring
                # a few forward: the worker's console shows them leaving at the next beat tick.
                due = plan_demo_messages()
                self.stdout.write(f"Aftercare messages due now: {due} (sent by the worker within a minute).")
        self.stdout.write(f"Demo logins (password for all: {demo.PASSWORD}):")
        for username, role, scope in demo.LOGINS:
            self.stdout.write(f"  {role:<14} {username:<22} {scope}")

