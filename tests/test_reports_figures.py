"""The report figures (R19) computed by hand on the fixed March of tests/reports_helpers.py,
asserted on each page and in each CSV.

By hand, Chicago, March 2026 (period 1-31 March, clinic-local; now 15 April):
- retention: session 2 ratings A (Pat) held 3 of 5, B (Quinn) held 2 of 3 -> 5/8 = 62.5 %;
  frontal hairline 2/2, crown 1/2, mid-scalp 0/2.
- attendance: A2, B2, C (no-show), D (late cancel), F (31 March 19:30 local = 1 April UTC),
  P; E cancelled in good time is left out -> 6 sessions, 1 no-show and 1 late = 16.7 % each;
  Tuesday 2 sessions, 1 no-show = 50.0 %; 14:00 1 session, 1 no-show = 100.0 %.
- conversion: A's window opens 30 March, B's 23 March; A's third on day 23 (inside), B's on
  day 35 (outside) -> 1 of 2 = 50.0 %.
- deposits (USD): paid 2 = 250.00 (A 100, E 150); applied 1 = 100.00; forfeited 1 = 100.00;
  refunded 1 = 150.00; held now 2 = 200.00 (A, and W whose forfeit was waived).
- revenue: payments 1,000 + 200 (F, 31 March local) + deposits 250 - refunds 150 = 1,300.00.
- balances: A 2,400 - 1,500 = 900, F 2,400 - 200 = 2,200 -> 2 plans, 3,100.00, held 100.00.
- aftercare: 4 messages, 1 cancelled -> due 3, sent 2 (1 three hours late), failed 1,
  on time 1/3 = 33.3 %.
"""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from clinic.audit import AuditEvent, AuditKind
from tests.factories import make_staff, sign_in
from tests.reports_helpers import MARCH, NOW, build_march


@pytest.fixture
def march(clinic, other_clinic, practitioner, second_practitioner, front_desk):
    with time_machine.travel(NOW, tick=False):
        yield build_march(clinic, other_clinic, practitioner, second_practitioner, front_desk)


def _get(client, user, name, **params):
    sign_in(client, user)
    return client.get(reverse(f"reports:{name}"), {**MARCH, **params})


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _row(rows, *start):
    """The CSV line whose first cells are `start`."""
    for row in rows:
        if row[: len(start)] == list(start):
            return row
    raise AssertionError(f"No line starting {start} in {rows}")


pytestmark = pytest.mark.django_db


def test_retention_is_the_share_of_zones_held_at_session_two(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "retention").content.decode()
        rows = _csv(_get(client, manager, "retention_csv"))
    assert ">Frontal hairline<" in page and "100.0 %" in page
    assert _row(rows, "Retention per zone", "Chicago", "Frontal hairline")[3:] == ["2", "2", "100.0"]
    assert _row(rows, "Retention per zone", "Chicago", "Crown")[3:] == ["1", "2", "50.0"]
    assert _row(rows, "Retention per zone", "Chicago", "Mid-scalp")[3:] == ["0", "2", "0.0"]
    assert _row(rows, "Retention per practitioner", "Chicago", "Pat Needle")[3:] == ["3", "5", "60.0"]
    assert _row(rows, "Retention per practitioner", "Chicago", "Quinn Shade")[3:] == ["2", "3", "66.7"]
    assert _row(rows, "Retention per month", "Chicago", "2026-03")[3:] == ["5", "8", "62.5"]


def test_attendance_counts_no_shows_and_late_cancellations_on_the_clinic_calendar(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "attendance").content.decode()
        rows = _csv(_get(client, manager, "attendance_csv"))
    assert _row(rows, "Attendance per clinic", "Chicago")[2:] == ["6", "1", "16.7", "1", "16.7"]
    assert _row(rows, "Attendance per weekday", "Tuesday")[2:] == ["2", "1", "50.0", "0", "0.0"]
    assert _row(rows, "Attendance per weekday", "Wednesday")[2:] == ["2", "0", "0.0", "1", "50.0"]
    assert _row(rows, "Attendance per hour", "14:00")[2:] == ["1", "1", "100.0", "0", "0.0"]
    # 31 March 19:30 in Chicago is 1 April in UTC: it is a March session at 19:00.
    assert _row(rows, "Attendance per hour", "19:00")[2:4] == ["1", "0"]
    assert _row(rows, "Attendance per month", "Chicago", "2026-03")[3] == "6"
    assert "16.7 %" in page and "No-show rate per weekday" in page


def test_conversion_counts_third_sessions_booked_inside_the_window(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "conversion").content.decode()
        rows = _csv(_get(client, manager, "conversion_csv"))
    assert _row(rows, "Third-session conversion per clinic", "Chicago")[2:] == ["2", "2", "1", "50.0"]
    assert "50.0 %" in page


def test_deposits_per_state_with_a_refund_and_a_waived_forfeit(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "deposits").content.decode()
        rows = _csv(_get(client, manager, "deposits_csv"))
    assert _row(rows, "Deposits per clinic", "Chicago", "USD")[3:] == [
        "2",
        "250.00",
        "1",
        "100.00",
        "1",
        "100.00",
        "1",
        "150.00",
        "2",
        "200.00",
    ]
    assert "$250.00" in page and "$200.00" in page


def test_revenue_is_payments_and_deposits_less_refunds(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "revenue").content.decode()
        rows = _csv(_get(client, manager, "revenue_csv"))
    assert _row(rows, "Revenue per month", "Chicago", "2026-03", "USD")[4:] == [
        "1200.00",
        "250.00",
        "150.00",
        "1300.00",
    ]
    assert _row(rows, "Balances outstanding now", "Chicago", "USD")[3:] == ["2", "3100.00", "100.00"]
    assert "$1,300.00" in page
    assert "GBP" not in page  # London is not this manager's clinic


def test_a_chain_manager_sees_one_total_per_currency(client, clinic, other_clinic, march):
    chain = make_staff("manager", clinic, clinics=[other_clinic])
    with time_machine.travel(NOW, tick=False):
        rows = _csv(_get(client, chain, "revenue_csv"))
        overview = _csv(_get(client, chain, "overview_csv"))
    assert _row(rows, "Revenue per month", "London", "2026-03", "GBP")[-1] == "300.00"
    assert _row(rows, "Revenue per month", "Chicago", "2026-03", "USD")[-1] == "1300.00"
    assert _row(overview, "Headline figures", "Revenue in GBP")[2] == "300.00"
    assert _row(overview, "Headline figures", "Revenue in USD")[2] == "1300.00"


def test_aftercare_delivery_counts_sent_late_and_failed(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        rows = _csv(_get(client, manager, "aftercare_csv"))
    assert _row(rows, "Aftercare delivery per channel", "Chicago", "E-mail")[3:] == [
        "3",
        "2",
        "1",
        "1",
        "1",
        "1",
        "33.3",
    ]


def test_overview_shows_each_headline_and_its_change(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        page = _get(client, manager, "overview").content.decode()
        rows = _csv(_get(client, manager, "overview_csv"))
    assert _row(rows, "Headline figures", "Retention held at session 2")[2:] == ["62.5", "", "", "%"]
    # February (the 31 days before) had A's first session, attended.
    assert _row(rows, "Headline figures", "No-show rate")[2:] == ["16.7", "0.0", "16.7", "%"]
    assert _row(rows, "Headline figures", "Third-session conversion")[2] == "50.0"
    # 29 January - 28 February: the 500 payment and deposits X, W and P (100 each) paid then.
    assert _row(rows, "Headline figures", "Revenue in USD")[2:4] == ["1300.00", "800.00"]
    assert "62.5 %" in page and "+16.7 pts" in page


def test_each_csv_download_is_recorded(client, manager, march):
    with time_machine.travel(NOW, tick=False):
        _get(client, manager, "deposits_csv")
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.what == "Report: Deposits (CSV)"
    assert "2026-03-01 to 2026-03-31" in event.detail


def test_a_custom_period_backwards_is_refused_with_a_message(client, manager, march):
    params = {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    assert (
        "The end date comes before the start date."
        in _get(client, manager, "retention", **params).content.decode()
    )
    assert _get(client, manager, "retention_csv", **params).status_code == 400


def test_my_day_shows_a_practitioner_their_own_retention_only(
    client, practitioner, second_practitioner, march
):
    """Pat rated 3 of 5 zones held at A's session 2 (9 March); Quinn's 2 of 3 are not Pat's.
    15 April: 9 March is inside the last 90 days. My day loads the card with htmx."""
    with time_machine.travel(NOW, tick=False):
        sign_in(client, practitioner)
        assert reverse("practice:my_retention") in client.get(reverse("practice:my_day")).content.decode()
        card = client.get(reverse("practice:my_retention"), headers={"HX-Request": "true"}).content.decode()
    assert "My retention" in card and "60.0 %" in card and "the 5 zones" in card
    assert "66.7" not in card and "<html" not in card


@pytest.mark.parametrize("who", ["front_desk", "manager", "outsider", "superuser"])
def test_my_retention_is_for_practitioners_only(client, request, who):
    sign_in(client, request.getfixturevalue(who))
    assert client.get(reverse("practice:my_retention")).status_code == 403
    assert "My retention" not in client.get(reverse("practice:my_day")).content.decode()


def test_my_retention_sends_anonymous_users_to_sign_in(client):
    response = client.get(reverse("practice:my_retention"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_my_retention_without_htmx_is_a_page(client, practitioner):
    sign_in(client, practitioner)
    page = client.get(reverse("practice:my_retention")).content.decode()
    assert "<html" in page and "No second sessions rated" in page


@pytest.mark.parametrize(
    "name", ["overview", "retention", "attendance", "conversion", "deposits", "revenue", "aftercare"]
)
def test_the_demo_gives_every_report_something_to_show_in_both_clinics(client, name):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    sign_in(client, get_user_model().objects.get(username="manager"))
    page = client.get(reverse(f"reports:{name}"), {"period": "last_90_days"}).content.decode()
    rows = _csv(client.get(reverse(f"reports:{name}_csv"), {"period": "last_90_days"}))
    if name != "overview":
        assert "Nothing to chart" not in page and 'class="chart-bar"' in page
        clinics = {row[1] for row in rows if row[0] != "Table"}
        assert {"Chicago", "London"} <= clinics
    assert len(rows) > 2
