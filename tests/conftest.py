"""Shared fixtures: one named user per role, an outsider from another clinic, and the
browser set-up for Debian's Chromium."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import make_client, make_clinic, make_plan, make_staff

# Playwright's sync API runs an event loop in this thread; Django must still allow the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")


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
