"""The two data migrations of the admin's narrowing: custom aftercare texts rewritten from the
old template syntax to placeholders, and front desk and practitioners leaving the admin."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from aftercare import placeholders
from aftercare.models import ScheduleStep
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def migration(app: str, name: str):
    """A migration module by its descriptive name (numbers may change when branches merge)."""
    folder = Path(importlib.import_module(f"{app}.migrations").__file__).parent
    (path,) = folder.glob(f"*_{name}.py")
    return importlib.import_module(f"{app}.migrations.{path.stem}")


def models_as_of(module):
    """The historical models a migration's RunPython sees (no custom save() of today's)."""
    app, name = module.__name__.split(".")[0], module.__name__.rsplit(".", 1)[1]
    return MigrationLoader(connection).project_state((app, name)).apps


def test_old_template_texts_are_rewritten_to_placeholders_or_switched_off():
    rewrite = migration("aftercare", "schedule_step_history_and_placeholders")
    steps = {
        "plain": ("Hi {{ first_name }}",
                  "Until {{ session_end_date|plus_days:30|long_day }}, {{clinic_name}}"),
        "odd": ("Hi", "Until {{ session_end_date|plus_days:45|long_day }}"),  # no {day_45}
        "filtered": ("Hi", "{{ first_name|upper }}"),
    }
    for kind, (subject, body) in steps.items():
        ScheduleStep.objects.bulk_create([ScheduleStep(  # bulk: as the old rows were stored
            kind=kind, name=kind, template="custom", subject=subject, body=body, by_email=True)])
    rewrite.rewrite_custom_texts(models_as_of(rewrite), None)
    plain, odd, filtered = (ScheduleStep.objects.get(kind=k) for k in steps)
    assert (plain.subject, plain.body) == ("Hi {first_name}", "Until {day_30}, {clinic_name}")
    assert plain.active
    placeholders.validate(plain.body)
    assert not odd.active and "plus_days:45" in odd.body  # kept for a person to fix
    assert not filtered.active


def test_front_desk_and_practitioners_lose_the_admins_door(clinic, superuser):
    close = migration("clinic", "admin_door_managers_only")
    roles = ("front_desk", "practitioner", "manager")
    desk, pat, boss = (make_staff(role, clinic, is_staff=True) for role in roles)
    close.close_the_door(current_apps, None)
    for user in (desk, pat, boss, superuser):
        user.refresh_from_db()
    assert (desk.is_staff, pat.is_staff, boss.is_staff, superuser.is_staff) == (False, False, True, True)
