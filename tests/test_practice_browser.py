"""The practitioner in a real browser, on a tablet-sized screen: from My day, open session 2,
rate retention on the scalp diagram (mouse and keyboard), take the shade suggestion, record
density, add a photo, save and complete; the plan's progress page shows it. Screenshots
are kept in var/screenshots/ for people to look at."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clinic.clinic_time import at_local, local_date
from sessions_app import records
from sessions_app.models import Density, SessionStatus, Zone
from tests.browser import sign_in
from tests.factories import make_client, make_plan, make_session
from tests.practice_helpers import jpeg_with_gps

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str, *, screen: bool = False) -> None:
    """The whole page from its top (sticky bars where a reader expects them); with `screen`,
    also what the tablet shows without scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    if screen:
        page.screenshot(path=str(SCREENSHOTS / f"{name}_screen.png"))
    # A full-page capture leaves sticky bars where the first screen ends: unstick them for it
    # (through the CSSOM, which the strict CSP allows).
    page.evaluate("document.querySelectorAll('.action-bar, .log-aside')"
                  ".forEach((el) => { el.style.position = 'static'; })")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)




def today_at(clinic, hour: int, days: int = 0) -> dt.datetime:
    # The browser runs on the real clock: "today" is today's date in the clinic's zone.
    return at_local(local_date(timezone.now(), clinic.tz) + dt.timedelta(days=days), dt.time(hour), clinic.tz)


@pytest.fixture
def session_two_today(plan, practitioner):
    """Carl: session 1 two weeks ago, logged at shade 4; session 2 today at 09:00. The day
    also has a first session (paperwork missing) and tomorrow a third session."""
    start = today_at(plan.clinic, 9)
    first = make_session(plan, number=1, starts_at=start - dt.timedelta(days=14), practitioner=practitioner,
                         status=SessionStatus.COMPLETED)
    records.save_session_log(session=first, by=practitioner, log=records.LogInput(
        haircut_done=True, shade_used=4, dilution="1:3", needle="3RL 0.25",
        notes="Foundation laid evenly. Crown skin a little oily: watch retention there.",
        zones={z: records.ZoneInput(density=Density.LIGHT) for z in Zone.values if z != Zone.SCAR},
    ))
    newcomer = make_client(plan.clinic, first_name="Dana", last_name="Ortiz", paperwork_completed_at=None)
    make_session(make_plan(newcomer, starting_shade=3), number=1, starts_at=today_at(plan.clinic, 13),
                 practitioner=practitioner)
    regular = make_plan(make_client(plan.clinic, first_name="Sam", last_name="Lee"), quoted_sessions=3)
    for number, days in ((1, -45), (2, -24)):
        done = make_session(regular, number=number, starts_at=today_at(plan.clinic, 15, days),
                            practitioner=practitioner, status=SessionStatus.COMPLETED)
        records.save_session_log(session=done, by=practitioner,
                                 log=records.LogInput(shade_used=4 + number // 2))
    make_session(regular, number=3, starts_at=today_at(plan.clinic, 10, 1), practitioner=practitioner)
    return make_session(plan, number=2, starts_at=start, practitioner=practitioner)


def test_a_practitioner_logs_session_2_and_sees_it_on_the_progress_page(
    page, live_server, practitioner, session_two_today
):
    page.set_viewport_size({"width": 1180, "height": 820})  # a 10-11" tablet, landscape
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, practitioner)
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    card = page.locator(".session-card", has_text="Carl Client")
    expect(card).to_contain_text("Session 2 of 3")
    expect(card).to_contain_text("Last shade 4")
    expect(card).to_contain_text("Paperwork done")
    shot(page, "practice_my_day")

    card.click()  # one tap opens the log
    expect(page.get_by_role("heading", name=re.compile("Carl Client"))).to_be_visible()
    expect(page.locator("[data-suggested-shade]")).to_have_attribute("data-suggested-shade", "4")

    # Ratings on the diagram: a tap cycles held -> patchy -> faded; the keyboard works too.
    crown = page.locator('svg[data-scalp-input] [data-zone="crown"]')
    for _ in range(3):
        crown.click()
    expect(page.locator("#id_retention_crown_3")).to_be_checked()  # "Faded" is the 4th choice
    for zone in ("mid_scalp", "left_temple"):
        page.locator(f'svg[data-scalp-input] [data-zone="{zone}"]').click(click_count=1)
        page.keyboard.press("1")  # the zone has focus: 1 rates it faded directly
    page.locator('svg[data-scalp-input] [data-zone="frontal_hairline"]').focus()
    page.keyboard.press("Enter")  # not rated -> held
    expect(page.locator('svg[data-scalp-input] [data-zone="frontal_hairline"]')).to_have_class(
        re.compile("ret-3"))
    page.locator("label[for=id_retention_right_temple_1]").click()  # the plain form works as well

    suggestion = page.locator("#shade-suggestion")
    expect(suggestion.locator("[data-suggested-shade]")).to_have_attribute("data-suggested-shade", "5")
    expect(suggestion).to_contain_text("Faded in left temple, mid-scalp and crown")
    expect(suggestion).to_contain_text("Frontal hairline (held): shade 4")
    suggestion.get_by_role("button", name="Use this suggestion").click()
    expect(page.locator("#id_shade_used")).to_have_value("5")
    expect(page.locator("#id_shade_frontal_hairline")).to_have_value("4")

    page.locator("#id_dilution").fill("1:3")
    page.locator("#id_needle").fill("3RL 0.25")
    for zone, level in (("crown", 3), ("mid_scalp", 3), ("left_temple", 2), ("right_temple", 2),
                        ("frontal_hairline", 2)):
        page.locator(f"label[for=id_density_{zone}_{level}]").click()
    page.locator("label[for=id_gaps_crown]").click()
    page.locator("label[for=id_blended_frontal_hairline]").click()
    page.locator("#id_alt_kind").select_option("lower_hairline")
    page.locator("#id_alt_request").fill("A touch lower in the middle")
    page.locator("#id_alt_decision").select_option("agreed")
    page.locator("#id_alt_note").fill("Lowered 2 mm at the centre")
    page.locator("#id_photos").set_input_files(
        files=[{"name": "crown-before.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1600, 1200))}]
    )
    page.locator("#id_notes").fill("Crown faded more than the front: went one shade darker there.")
    shot(page, "practice_session_log", screen=True)

    page.get_by_role("button", name="Save and complete").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Complete session 2?")
    page.wait_for_timeout(300)  # the modal's fade-in
    dialog.get_by_role("button", name="Save and complete").click()

    expect(page.get_by_role("heading", name=re.compile("progress"))).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("Session 2 of 3 is completed")
    table = page.locator(".zone-table")
    expect(table.locator("tr", has_text="Crown")).to_contain_text("Faded · Dense")
    expect(table.locator("tr", has_text="Frontal hairline")).to_contain_text("Held · Medium")
    expect(page.locator(".shade-timeline")).to_contain_text("Session 2 · 5 - Medium-dark")
    expect(page.locator(".shade-timeline")).to_contain_text("(suggested 5)")
    expect(page.get_by_text("A touch lower in the middle")).to_be_visible()
    thumb = page.locator(".photo-tile img").first
    expect(thumb).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0  # served, not broken
    shot(page, "practice_plan_progress", screen=True)

    # No script error and nothing blocked by the strict CSP (the shell has no favicon yet).
    assert [e for e in errors if "favicon.ico" not in str(getattr(e, "location", {}).get("url", ""))] == []
    session_two_today.refresh_from_db()
    assert session_two_today.status == SessionStatus.COMPLETED
    assert session_two_today.record.shade_used == 5


def test_the_session_log_reads_well_on_a_tablet_held_upright(
    page, live_server, practitioner, session_two_today
):
    page.set_viewport_size({"width": 820, "height": 1180})
    sign_in(page, live_server, practitioner)
    page.goto(f"{live_server.url}{reverse('practice:session_log', args=[session_two_today.pk])}")
    page.locator('svg[data-scalp-input] [data-zone="crown"]').click()
    expect(page.locator("#id_retention_crown_1")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    shot(page, "practice_session_log_portrait")
