"""R12: the aftercare window closes N calendar days after the session, same local time."""

import datetime as dt

import pytest

from aftercare.window import aftercare_window
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO, LONDON
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone,start,closes", [
    # Friday before the spring change in Chicago: ends 16:00, closes Tuesday 16:00 CDT.
    (CHICAGO, dt.datetime(2026, 3, 6, 13), dt.datetime(2026, 3, 10, 16)),
    # Friday before the autumn change in London: closes Tuesday 16:00 GMT.
    (LONDON, dt.datetime(2026, 10, 23, 13), dt.datetime(2026, 10, 27, 16)),
])
def test_the_window_closes_four_local_days_later_at_the_same_hour(zone, start, closes):
    clinic = make_clinic(time_zone=str(zone))
    pat = make_staff("practitioner", clinic)
    session = make_session(make_plan(make_client(clinic)), number=1,
                           starts_at=start.replace(tzinfo=zone), practitioner=pat,
                           status=SessionStatus.COMPLETED)
    window = aftercare_window(session)
    assert window.closes_at == closes.replace(tzinfo=zone)
    elapsed = window.closes_at.astimezone(dt.UTC) - window.opens_at.astimezone(dt.UTC)
    assert elapsed != dt.timedelta(days=4)  # an hour of daylight saving lies inside
    saturday = dt.datetime(start.year, start.month, start.day + 1, 9, tzinfo=zone)
    assert window.is_open(saturday) and window.day_number(saturday) == 2
    assert not window.is_open(window.closes_at)
