"""scripts/check_imports.py on small fake trees: each layout rule is broken once, and what
the rules allow passes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_imports.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


check_imports = _load_script()


def tree(root: Path, files: dict[str, str]) -> Path:
    """Writes `files` (path -> source) under `root`, with the packages' __init__.py."""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(root).parents:
            if folder != Path("."):
                (root / folder / "__init__.py").touch()
        path.write_text(textwrap.dedent(source))
    return root


def breaches(root: Path) -> list[str]:
    return [str(breach) for breach in check_imports.check(root)]


def test_the_final_layout_passes(tmp_path):
    tree(tmp_path, {
        "clinic/urls.py": "from django.urls import include\nfrom frontdesk import urls as desk_urls\n",
        "clinic/models.py": "from django.db import models\n",
        "clinic/clinic_time.py": "import datetime as dt\nfrom zoneinfo import ZoneInfo\n",
        "sessions_app/models.py": "from clinic.models import Clinic\n",
        "sessions_app/calendar.py": "from clinic.clinic_time import local_day\n",
        "sessions_app/booking.py": "from sessions_app import rules\nfrom .rules import allowed_window\n",
        "sessions_app/rules.py": """
            from __future__ import annotations
            import datetime as dt
            from dataclasses import dataclass
            from typing import TYPE_CHECKING
            from django.db import models
            from django.db.models import Q
            from clinic.models import PlanStatus
            from clinic import clinic_time
            from sessions_app.models import SessionStatus
            from . import calendar
            from .models import TreatmentSession
        """,
        "aftercare/messages.py": "from sessions_app.rules import allowed_window\n",
        "frontdesk/views.py": "from . import forms\nfrom frontdesk.forms import A\nfrom clinic import x\n",
        "frontdesk/forms.py": "from sessions_app.models import TreatmentSession\n",
        "practice/views.py": "from sessions_app import records\n",
        "portal/views.py": "from clinic.portal import plan_for\n",
        "reports/views.py": "from sessions_app.rules import peak_use\n",
        "accounts/views.py": "from clinic.models import StaffProfile\n",
        "clinic/migrations/0002_x.py": "import frontdesk\n",  # migrations are not looked at
    })
    assert breaches(tmp_path) == []


def test_a_domain_app_importing_an_audience_package_fails_with_file_and_line(tmp_path):
    tree(tmp_path, {
        "clinic/models.py": "from django.db import models\n",
        "clinic/views.py": "import os\n\ndef page():\n    from portal.views import plan  # in a function\n",
        "sessions_app/booking.py": "import frontdesk.forms\n",
        "aftercare/tasks.py": "from accounts import otp\n",
        "sessions_app/slots.py": "from reports import views\n",
        "frontdesk/views.py": "\n",
    })
    assert breaches(tmp_path) == [
        "aftercare/tasks.py:1: domain app aftercare imports audience accounts",
        "clinic/views.py:4: domain app clinic imports audience portal.views",
        "sessions_app/booking.py:1: domain app sessions_app imports audience frontdesk.forms",
        "sessions_app/slots.py:1: domain app sessions_app imports audience reports",
    ]


def test_only_clinics_url_map_may_mount_the_audiences(tmp_path):
    tree(tmp_path, {
        "clinic/urls.py": "from practice import urls\n",
        "clinic/urls_frontdesk.py": "from frontdesk import views\n",
    })
    assert breaches(tmp_path) == [
        "clinic/urls_frontdesk.py:1: domain app clinic imports audience frontdesk",
    ]


def test_an_audience_package_importing_another_fails(tmp_path):
    tree(tmp_path, {
        "frontdesk/views.py": "from practice.views import session_log\n",
        "practice/forms.py": "from frontdesk import forms\n",
        "portal/views.py": "from .. import reports\n",  # a relative import reaching out
        "reports/views.py": "from reports.forms import RangeForm\n",  # its own modules: fine
        "reports/forms.py": "\n",
        "accounts/views.py": "import portal.views\n",
    })
    assert breaches(tmp_path) == [
        "accounts/views.py:1: audience accounts imports audience portal.views",
        "frontdesk/views.py:1: audience frontdesk imports audience practice.views",
        "portal/views.py:1: audience portal imports audience reports",
        "practice/forms.py:1: audience practice imports audience frontdesk",
    ]


@pytest.mark.parametrize("source,imported", [
    ("from sessions_app import booking", "sessions_app"),
    ("from sessions_app.booking import book_session", "sessions_app.booking"),
    ("from .slots import propose", "sessions_app.slots"),
    ("from . import booking", "sessions_app"),
    ("from aftercare.models import Reminder", "aftercare.models"),
    ("from clinic.access import staff_clinics", "clinic.access"),
    ("from django.db import connection", "django.db"),
    ("from django.utils import timezone", "django.utils"),
    ("import django", "django"),
])
def test_the_rules_module_imports_only_models_and_calendar_maths(tmp_path, source, imported):
    tree(tmp_path, {"sessions_app/rules.py": f"import datetime\n{source}\n"})
    assert breaches(tmp_path) == [
        f"sessions_app/rules.py:2: rules module imports {imported}: models and calendar maths only"
    ]


def test_the_rules_module_importing_an_audience_breaks_both_rules(tmp_path):
    tree(tmp_path, {"sessions_app/rules.py": "from frontdesk.forms import BookingForm\n"})
    assert breaches(tmp_path) == [
        "sessions_app/rules.py:1: domain app sessions_app imports audience frontdesk.forms",
        "sessions_app/rules.py:1: rules module imports frontdesk.forms: models and calendar maths only",
    ]


def test_the_command_lists_the_breaches_and_exits_1(tmp_path):
    tree(tmp_path, {"aftercare/messages.py": "from frontdesk import outbox_views\n"})
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stdout.splitlines()[0] == (
        "aftercare/messages.py:1: domain app aftercare imports audience frontdesk"
    )


def test_the_command_exits_0_on_a_clean_tree(tmp_path):
    tree(tmp_path, {"aftercare/messages.py": "from sessions_app.rules import allowed_window\n"})
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert (run.returncode, run.stdout.strip()) == (0, "check_imports: the layout's import rules hold.")
