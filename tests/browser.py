"""Helpers of the real-browser tests (Playwright driving Debian's Chromium)."""

import re
from pathlib import Path

from django.urls import reverse

from tests.accessibility import audit
from tests.factories import PASSWORD, fresh_totp_code, totp_device

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def sign_in(page, live_server, user) -> None:
    """Through the real sign-in form, as a person would: the password, then (for whoever
    needs one) the code their authenticator app shows now."""
    from clinic.second_factor import factor_required

    device = totp_device(user) if factor_required(user) else None
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label(re.compile("username|e-mail", re.I)).first.fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()
    if device is not None:
        second_step(page, device)


def second_step(page, device) -> None:
    """The sign-in's second step, with the code `device`'s app shows now."""
    page.get_by_label("Code").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    """A full-page screenshot under var/screenshots/, to look at; what is shown is checked
    with axe-core too (a panel opened, a form with errors)."""
    audit(page).check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

