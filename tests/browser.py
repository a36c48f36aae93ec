"""Helpers of the real-browser tests (Playwright driving Debian's Chromium)."""

import re
from pathlib import Path

from django.urls import reverse

from tests.accessibility import audit
from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def sign_in(page, live_server, user) -> None:
    """Through the real sign-in form, as a person would."""
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label(re.compile("username|e-mail", re.I)).first.fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    """A full-page screenshot under var/screenshots/, to look at; what is shown is checked
    with axe-core too (a panel opened, a form with errors)."""
    audit(page).check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

