"""`manage.py demo_code USERNAME`: the code a demo login's authenticator app would show now.

For the demo only: refused for any user without the demo's device, and whenever DEBUG is
off (a production server must never print second-factor codes)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from clinic import demo


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff login (development only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code works only with DEBUG on (development).")
        device = demo.demo_device(username)
        if device is None:
            raise CommandError(f"{username!r} is not a demo login with a demo authenticator.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
