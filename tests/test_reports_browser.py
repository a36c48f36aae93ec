"""The reports in a real browser: a manager opens the overview for March, then the
retention report (chart and table), at desktop width and at 375 px; a practitioner's My day
loads their own retention card. Screenshots in var/screenshots/."""

import re

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import shot, sign_in
from tests.reports_helpers import NOW, build_march

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_overview_and_the_retention_chart(
    page, live_server, clinic, other_clinic, practitioner, second_practitioner, front_desk, manager
):
    with time_machine.travel(NOW, tick=True):
        build_march(clinic, other_clinic, practitioner, second_practitioner, front_desk)
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, manager)
        page.goto(f"{live_server.url}{reverse('reports:overview')}")
        page.get_by_label("Period", exact=True).select_option("custom")
        page.get_by_label("From").fill("2026-03-01")
        page.get_by_label("To").fill("2026-03-31")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"date_from=2026-03-01"))
        card = page.get_by_role("region", name="Retention held at session 2")
        expect(card).to_contain_text("62.5 %")
        expect(page.get_by_role("region", name="No-show rate")).to_contain_text("+16.7 pts")
        expect(page.get_by_role("region", name="Revenue in USD")).to_contain_text("$1,300.00")
        shot(page, "reports_overview")

        page.get_by_role("navigation", name="Reports").get_by_role("link", name="Retention").click()
        expect(page.get_by_role("heading", name="Retention", exact=True)).to_be_visible()
        chart = page.get_by_role("img", name=re.compile("Share of zones held at session 2, zone"))
        expect(chart).to_be_visible()
        table = page.get_by_role("table", name="Retention per zone")
        expect(table).to_contain_text("Frontal hairline")
        expect(table).to_contain_text("100.0")
        shot(page, "reports_retention")

        page.set_viewport_size({"width": 375, "height": 812})
        page.reload()
        expect(chart).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways at 375 px ({width} px)"
        shot(page, "reports_retention_375")
        page.goto(page.url.replace("/retention/", "/"))
        expect(page.get_by_role("region", name="Retention held at session 2")).to_contain_text("62.5 %")
        shot(page, "reports_overview_375")

        page.context.clear_cookies()
        sign_in(page, live_server, practitioner)
        page.goto(f"{live_server.url}{reverse('practice:my_day')}")
        expect(page.get_by_role("region", name="My retention")).to_contain_text("60.0 %")
        shot(page, "reports_my_retention_375")
