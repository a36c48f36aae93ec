"""Importing a clinic's spreadsheet (R20): dry run names each bad line, all or nothing, no
duplicates on a second run, CSV with BOM and semicolons, XLSX, past sessions as history."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from aftercare.models import Reminder
from clinic.client_import import import_clients
from clinic.models import Client, PlanStatus, TreatmentPlan
from sessions_app.models import SessionStatus, TreatmentSession
from tests.factories import make_client

HEADER = ("first_name,last_name,email,phone,date_of_birth,email_consent,sms_consent,"
          "paperwork_completed_on,treatment_area,quoted_sessions,price,sessions_done,last_session_on")
GOOD = [
    "Ana,Lopez,ana@example.com,+13125550101,1980-01-02,yes,no,2025-01-10,full_scalp,3,2400.00,2,2025-02-01",
    "Ben,Short,,+13125550102,1975-05-06,no,yes,,hairline,2,1800,,",
    "Cy,Young,cy@example.com,,,yes,yes,,,,,,",
]


def csv_bytes(lines, *, bom=False, sep=","):
    text = "\n".join(line.replace(",", sep) for line in lines) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def run(data, clinic, **kwargs):
    return import_clients(data, clinic, filename="clients.csv", **kwargs)


def test_dry_run_names_every_bad_line_and_writes_nothing(clinic):
    lines = [HEADER] + GOOD + [
        "Dee,Bad,not-an-email,,,,,,,,,,",                               # line 5
        ",Nameless,nameless@example.com,,,,,,,,,,",                     # line 6
        "Eve,Date,eve@example.com,,2026-02-30,,,,,,,,",                 # line 7
        "Fay,One,fay@example.com,,,,,,full_scalp,1,900,,",              # line 8
        "Gus,Neg,gus@example.com,,,,,,full_scalp,2,-5,,",               # line 9
        "Ana,Again,ANA@example.com,,,,,,,,,,",                          # line 10
    ]
    report = run(csv_bytes(lines), clinic, dry_run=True)
    problems = [str(p) for p in report.problems]
    assert problems == [
        'line 5: not an e-mail address: "not-an-email"',
        "line 6: missing first name",
        'line 7: not a date (YYYY-MM-DD) in date_of_birth: "2026-02-30"',
        'line 8: a plan quotes at least two sessions: "1"',
        'line 9: the price cannot be negative: "-5"',
        'line 10: duplicate of line 2: "ANA@example.com"',
    ]
    assert not Client.objects.exists()


def test_command_prints_the_lines_in_the_contract_format(clinic, tmp_path, capsys):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes([HEADER, GOOD[0], "Dee,Bad,not-an-email,,,,,,,,,,"]))
    with pytest.raises(CommandError):
        call_command("import_clients", str(path), "--clinic", clinic.slug, "--dry-run")
    assert 'line 3: not an e-mail address: "not-an-email"' in capsys.readouterr().out
    assert not Client.objects.exists()


def test_one_bad_line_and_nothing_is_written(clinic, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes([HEADER] + GOOD + ["Dee,Bad,not-an-email,,,,,,,,,,"]))
    with pytest.raises(CommandError):
        call_command("import_clients", str(path), "--clinic", clinic.slug)
    assert not Client.objects.exists()
    assert not TreatmentPlan.objects.exists()


def test_import_then_second_run_adds_nothing(clinic, tmp_path, capsys):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes([HEADER] + GOOD))
    call_command("import_clients", str(path), "--clinic", clinic.slug)
    assert "Imported 3 client(s), 2 plan(s) and 2 past session(s)" in capsys.readouterr().out
    ana = Client.objects.get(email="ana@example.com")
    assert (ana.clinic, ana.date_of_birth, ana.email_consent, ana.sms_consent) == (
        clinic, dt.date(1980, 1, 2), True, False)
    assert ana.paperwork_done and ana.history.count() == 1
    call_command("import_clients", str(path), "--clinic", clinic.slug)
    out = capsys.readouterr().out
    assert "Nothing to add" in out and "3 already at the clinic" in out
    assert Client.objects.count() == 3 and TreatmentPlan.objects.count() == 2


def test_existing_client_by_name_and_birth_date_is_not_duplicated(clinic):
    make_client(clinic, first_name="Ben", last_name="Short", email="",
                date_of_birth=dt.date(1975, 5, 6))
    report = run(csv_bytes([HEADER, GOOD[1]]), clinic)
    assert report.ok and report.created == 0 and report.already_there == [2]
    assert Client.objects.count() == 1


def test_sessions_done_are_completed_history_without_aftercare(clinic):
    run(csv_bytes([HEADER, GOOD[0]]), clinic)
    plan = TreatmentPlan.objects.get()
    assert (plan.status, plan.quoted_sessions, plan.price, plan.currency) == (
        PlanStatus.ACTIVE, 3, Decimal("2400.00"), "USD")
    sessions = list(plan.sessions.order_by("number"))
    assert [s.status for s in sessions] == [SessionStatus.COMPLETED] * 2
    assert all(s.imported for s in sessions)
    assert sessions[-1].starts_at.astimezone(clinic.tz).date() == dt.date(2025, 2, 1)
    assert sessions[0].starts_at < sessions[1].starts_at
    assert not Reminder.objects.exists()
    # The third-session worklist sees the plan from the first day.
    from sessions_app.worklists import third_session_due
    assert list(third_session_due([clinic])) == [plan]


def test_many_imported_histories_on_the_same_day_do_not_clash(clinic):
    lines = [HEADER] + [
        f"P{n},Same,p{n}@example.com,,,,,,full_scalp,2,1000,2,2025-03-03" for n in range(5)
    ]
    report = run(csv_bytes(lines), clinic)
    assert report.ok and TreatmentSession.objects.filter(imported=True).count() == 10
    assert TreatmentPlan.objects.filter(status=PlanStatus.COMPLETED).count() == 5


def test_csv_with_bom_and_semicolons(clinic):
    report = run(csv_bytes([HEADER] + GOOD, bom=True, sep=";"), clinic)
    assert report.ok, report.problems
    assert sorted(Client.objects.values_list("first_name", flat=True)) == ["Ana", "Ben", "Cy"]


def test_unknown_columns_are_reported_and_ignored(clinic):
    report = run(csv_bytes(["first_name,last_name,email,favourite_colour", "Al,Ink,al@example.com,blue"]),
                 clinic)
    assert report.ok and report.unknown_columns == ["favourite_colour"]
    assert Client.objects.get().first_name == "Al"


def test_xlsx(clinic):
    book = Workbook()
    sheet = book.active
    sheet.append(["last_name", "first_name", "email", "date_of_birth", "quoted_sessions", "price"])
    sheet.append(["Xu", "Lin", "lin@example.com", dt.date(1990, 4, 5), 2, 1500])
    sheet.append(["Bad", "Mail", "nope", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_clients(buffer.getvalue(), clinic, filename="c.xlsx", dry_run=True)
    assert [str(p) for p in report.problems] == ['line 3: not an e-mail address: "nope"']
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_clients(buffer.getvalue(), clinic, filename="c.xlsx")
    assert report.ok and report.created == 1
    lin = Client.objects.get()
    assert lin.date_of_birth == dt.date(1990, 4, 5)
    assert lin.plans.get().price == Decimal("1500")


def test_import_is_per_clinic(clinic, other_clinic):
    run(csv_bytes([HEADER, GOOD[2]]), clinic)
    report = run(csv_bytes([HEADER, GOOD[2]]), other_clinic)
    assert report.created == 1
    assert Client.objects.filter(email="cy@example.com").count() == 2
