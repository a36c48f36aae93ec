"""The suite's fixtures, all of them: one named user per role, an outsider from another
clinic, the clock, the browser set-up for Debian's Chromium, and each area's arranged
history (money, practice, aftercare, the admin's security world). Plain helpers live in
tests/*_helpers.py, tests/clock.py and tests/factories.py, imported by name."""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group

from aftercare import sms
from clinic.celery import app as celery_app
from sessions_app import booking, records
from sessions_app.models import Density, SessionStatus, Zone
from tests.accessibility import assert_accessible, audit
from tests.aftercare_helpers import FlakyBackend
from tests.clock import CHICAGO, chicago
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff, sign_in
from tests.money_helpers import plan_after_session_2
from tests.security_helpers import World, build_world

# Playwright's sync API runs an event loop in this thread; Django must still allow the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `playwright install` cannot download browsers here: drive Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Bootstrap drops its fades under reduced motion, so axe never measures a half-faded dialog.
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture
def page(page):
    """pytest-playwright's page, with axe-core checking every page it loads (tests/accessibility.py)."""
    audit(page)
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test passes, its pages must have had no serious or critical axe-core
    violation, the state it ends in included."""
    result = yield
    page = getattr(item, "funcargs", {}).get("page")
    if page is not None:
        assert_accessible(page)
    return result


@pytest.fixture
def frozen_now():
    """Monday 2 March 2026, 08:00 in Chicago: a fixed clock for calendar arithmetic."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 0, tzinfo=CHICAGO), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ticking_monday():
    """The same Monday with the clock running: browser tests wait on real time passing."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 0, tzinfo=CHICAGO), tick=True):
        yield


@pytest.fixture
def clinic(db):
    return make_clinic(name="Chicago", slug="chicago", time_zone="America/Chicago")


@pytest.fixture
def other_clinic(db):
    return make_clinic(name="London", slug="london", time_zone="Europe/London", currency="GBP")


@pytest.fixture
def front_desk(clinic):
    return make_staff("front_desk", clinic, first_name="Fran", last_name="Desk")


@pytest.fixture
def practitioner(clinic):
    return make_staff("practitioner", clinic, first_name="Pat", last_name="Needle")


@pytest.fixture
def second_practitioner(clinic):
    return make_staff("practitioner", clinic, first_name="Quinn", last_name="Shade")


@pytest.fixture
def manager(clinic):
    return make_staff("manager", clinic, first_name="Morgan", last_name="Boss")


@pytest.fixture
def outsider(other_clinic):
    """Front desk at another clinic: must never reach this clinic's rows."""
    return make_staff("front_desk", other_clinic, first_name="Olly", last_name="Outside")


@pytest.fixture
def superuser(db):
    """An administrator without a staff role (the admin's other user besides managers)."""
    from django.contrib.auth import get_user_model

    from tests.factories import PASSWORD

    return get_user_model().objects.create_superuser(
        "root", "root@pigment.example", PASSWORD, first_name="Ada", last_name="Root"
    )


@pytest.fixture
def client_(clinic):
    return make_client(clinic, first_name="Carl", last_name="Client")


@pytest.fixture
def plan(client_):
    return make_plan(client_, quoted_sessions=3)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # The throttle's counters live in Redis and would outlive a test: start each at zero.
    # Only the throttle's keys: the same Redis database carries Celery's queue.
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    from clinic.throttle import KEY_PREFIX

    if isinstance(cache, RedisCache):
        redis = cache._cache.get_client(write=True)
        keys = list(redis.scan_iter(match=f"*:{KEY_PREFIX}:*"))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded photos go to a folder of this test's own, never the real MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def desk(client, front_desk):
    """The test client, signed in as the front desk."""
    sign_in(client, front_desk)
    return client


# --------------------------------------------------------------------------- money


@pytest.fixture
def waiting_plan(clinic, practitioner, frozen_now):
    """Carla's plan: session 2 done on 9 February, session 3 quoted and not booked."""
    return plan_after_session_2(clinic, practitioner, first_name="Carla", last_name="Waiting")


@pytest.fixture
def paid_deposit(waiting_plan, front_desk):
    return booking.record_deposit(plan=waiting_plan, amount=Decimal("100.00"), by=front_desk,
                                  method="card", reference="slip 42")


# --------------------------------------------------------------------------- practice


@pytest.fixture
def first_session(plan, practitioner, frozen_now):
    """Session 1 of `plan`, completed on Monday 16 February at 09:00."""
    return make_session(plan, number=1, starts_at=chicago(2, 16, 9), practitioner=practitioner,
                        status=SessionStatus.COMPLETED)


@pytest.fixture
def first_log(first_session, practitioner):
    """Session 1's log: shade 4, a light foundation everywhere, the crown medium."""
    zones = {z: records.ZoneInput(density=Density.LIGHT) for z in Zone.values if z != Zone.SCAR}
    zones[Zone.CROWN] = records.ZoneInput(density=Density.MEDIUM, gaps_filled=True)
    return records.save_session_log(
        session=first_session, by=practitioner,
        log=records.LogInput(haircut_done=True, shade_used=4, dilution="1:3", needle="3RL 0.25",
                             notes="Foundation laid; skin took the pigment well.", zones=zones),
    )


@pytest.fixture
def second_session(plan, practitioner, first_session):
    """Session 2, booked today (Monday 2 March) at 09:00."""
    return make_session(plan, number=2, starts_at=chicago(3, 2, 9), practitioner=practitioner)


@pytest.fixture
def other_practitioner(other_clinic):
    """A practitioner at another clinic: must never reach this clinic's records."""
    return make_staff("practitioner", other_clinic, first_name="Otto", last_name="Elsewhere")


# --------------------------------------------------------------------------- aftercare


@pytest.fixture
def eager():
    """Celery runs tasks in the calling thread (unit tests); restored afterwards."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def sms_log(settings, tmp_path) -> sms.FileBackend:
    """Text messages go to a file, one line per hand-over to the "provider"."""
    settings.SMS_BACKEND = "aftercare.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return sms.FileBackend(settings.SMS_FILE_PATH)


@pytest.fixture
def flaky_sms(sms_log, settings):
    """The provider is down for the first `FAILURES` calls (set by the test)."""
    settings.SMS_BACKEND = "tests.aftercare_helpers.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.FAILURES, FlakyBackend.PERMANENT = 0, 0, False
    yield FlakyBackend
    FlakyBackend.calls, FlakyBackend.FAILURES, FlakyBackend.PERMANENT = 0, 0, False


# --------------------------------------------------------------------------- the admin's security


@pytest.fixture
def world(clinic, other_clinic, front_desk, practitioner, manager, frozen_now) -> World:
    return build_world(clinic, other_clinic, front_desk, practitioner, manager)


@pytest.fixture
def group(db):
    return Group.objects.create(name="Auditors")
