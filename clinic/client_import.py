"""Importing a clinic's clients and plans from a spreadsheet (R20).

`read_table` turns a CSV (UTF-8 with or without BOM, comma or semicolon) or an XLSX file into
numbered lines (the header is line 1); `check_table` validates every line and names each
problem as `line 7: not an e-mail address: "not-an-email"`; `import_clients` writes
everything in one transaction or nothing at all. A client already at the clinic (same e-mail,
or same name and date of birth) is skipped, so running the same file twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from simple_history.utils import bulk_create_with_history

from clinic.clinic_time import at_local
from clinic.models import Client, Clinic, PlanStatus, Shade, TreatmentArea, TreatmentPlan
from clinic.phones import to_e164
from sessions_app import booking

REQUIRED_COLUMNS = ("first_name", "last_name")
COLUMNS = (
    "first_name", "last_name", "email", "phone", "date_of_birth", "email_consent", "sms_consent",
    "paperwork_completed_on", "treatment_area", "quoted_sessions", "price",
    "starting_shade", "notes", "sessions_done", "last_session_on",
)
PLAN_COLUMNS = ("treatment_area", "quoted_sessions", "price", "starting_shade", "notes",
                "sessions_done", "last_session_on")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
XLSX_MAGIC = b"PK\x03\x04"
BATCH = 1000


class ImportFileError(ValueError):
    """The file cannot be read at all (not a CSV or XLSX, no header)."""


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            return f"line {self.line}: {self.message}"
        return f'line {self.line}: {self.message}: "{self.value}"'


@dataclass
class ClientRow:
    """One valid line: the client's fields and, when the line quotes one, the plan's."""

    line: int
    client: dict
    plan: dict | None
    sessions_done: int = 0
    last_session_on: dt.date | None = None


@dataclass
class ImportReport:
    header: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    rows: list[ClientRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    already_there: list[int] = field(default_factory=list)  # line numbers skipped
    created: int = 0
    plans: int = 0
    sessions: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_create(self) -> int:
        return len(self.rows) - len(self.already_there)

    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} problem(s): nothing was imported."
        skipped = (f"; {len(self.already_there)} already at the clinic, not added again"
                   if self.already_there else "")
        if self.dry_run:
            return f"Dry run: {self.to_create} client(s) would be imported{skipped}."
        if not self.created:
            return f"Nothing to add: every client in the file is already at the clinic{skipped}."
        return (f"Imported {self.created} client(s), {self.plans} plan(s) and {self.sessions} "
                f"past session(s){skipped}.")


# --------------------------------------------------------------------------- reading


def read_table(data: bytes, filename: str = "") -> list[tuple[int, list[str]]]:
    """(line number, cells) for every non-empty line; the header is line 1."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is neither UTF-8 CSV nor an XLSX workbook.") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only XLSX imports pay for loading it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(f"The XLSX workbook cannot be read ({exc}).") from None
    sheet = book.worksheets[0]
    lines = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_xlsx_cell(v) for v in values]
        if any(c.strip() for c in cells):
            lines.append((number, cells))
    book.close()
    return lines


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- checking


def check_table(lines: list[tuple[int, list[str]]], clinic: Clinic) -> ImportReport:
    """Validate every line against the file and the clinic's clients; writes nothing."""
    report = ImportReport()
    if not lines:
        raise ImportFileError("The file is empty: the first line must name the columns.")
    header_line, header = lines[0]
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    report.header = names
    report.unknown_columns = [n for n in names if n and n not in COLUMNS]
    for column in REQUIRED_COLUMNS:
        if column not in names:
            report.problems.append(Problem(header_line, "missing column", column))
    if "email" not in names and "phone" not in names:
        report.problems.append(Problem(header_line, "missing column", "email or phone"))
    if report.problems:
        return report
    index = {n: i for i, n in enumerate(names) if n in COLUMNS}
    existing_emails, existing_people = _existing(clinic)
    seen_emails: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}
    for number, cells in lines[1:]:
        values = {n: (cells[i].strip() if i < len(cells) and cells[i] is not None else "")
                  for n, i in index.items()}
        if len(report.preview) < 10:
            report.preview.append([values.get(n, "") for n in COLUMNS if n in index])
        row = _check_line(number, values, report.problems, clinic.country)
        if row is None:
            continue
        email = row.client["email"].lower()
        person = (row.client["first_name"].lower(), row.client["last_name"].lower(),
                  row.client["date_of_birth"])
        duplicate = (seen_emails.get(email) if email else None) or (
            seen_people.get(person) if person[2] else None)
        if duplicate:
            report.problems.append(Problem(number, f"duplicate of line {duplicate}",
                                           row.client["email"] or _name(row.client)))
            continue
        if email:
            seen_emails[email] = number
        if person[2]:
            seen_people[person] = number
        if (email and email in existing_emails) or (person[2] and person in existing_people):
            report.already_there.append(number)
        report.rows.append(row)
    return report


def _existing(clinic: Clinic) -> tuple[set[str], set[tuple]]:
    emails, people = set(), set()
    for email, first, last, born in Client.objects.filter(clinic=clinic).values_list(
        Lower("email"), Lower("first_name"), Lower("last_name"), "date_of_birth"
    ):
        if email:
            emails.add(email)
        if born:
            people.add((first, last, born))
    return emails, people


def _name(client: dict) -> str:
    return f"{client['first_name']} {client['last_name']}"


def _check_line(number: int, v: dict, problems: list[Problem], country: str) -> ClientRow | None:
    found: list[Problem] = []

    def bad(message: str, value: str | None = None) -> None:
        found.append(Problem(number, message, value))

    for column in REQUIRED_COLUMNS:
        if not v.get(column):
            bad(f"missing {column.replace('_', ' ')}")
    email, phone = v.get("email", ""), v.get("phone", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("not an e-mail address", email)
    if not email and not phone:
        bad("an e-mail address or a phone number is required")
    if phone:
        try:
            phone = to_e164(phone, country)  # stored in E.164, the clinic's country by default
        except ValidationError:
            bad("not a phone number", phone)
    client = {
        "first_name": v.get("first_name", "")[:100], "last_name": v.get("last_name", "")[:100],
        "email": email, "phone": phone,
        "date_of_birth": _date(v, "date_of_birth", bad),
        "email_consent": _yes_no(v, "email_consent", bad),
        "sms_consent": _yes_no(v, "sms_consent", bad),
        "paperwork_completed_on": _date(v, "paperwork_completed_on", bad),
    }
    born = client["date_of_birth"]
    if born and born > dt.date.today():
        bad("date of birth is in the future", v["date_of_birth"])
    plan = None
    sessions_done, last_on = 0, None
    if any(v.get(c) for c in PLAN_COLUMNS):
        plan, sessions_done, last_on = _check_plan(v, bad)
    problems.extend(found)
    if found:
        return None
    return ClientRow(number, client, plan, sessions_done, last_on)


def _check_plan(v: dict, bad) -> tuple[dict, int, dt.date | None]:
    area = v.get("treatment_area") or TreatmentArea.FULL_SCALP
    if area not in TreatmentArea.values:
        bad(f"not a treatment area ({', '.join(TreatmentArea.values)})", area)
    quoted = _integer(v, "quoted_sessions", bad, required=True)
    if quoted is not None and quoted < 2:
        bad("a plan quotes at least two sessions", v["quoted_sessions"])
    elif quoted is not None and quoted > 12:
        bad("a plan quotes at most 12 sessions", v["quoted_sessions"])
    price = None
    raw_price = v.get("price", "")
    if not raw_price:
        bad("missing price")
    else:
        try:
            # Plain numbers; a lone comma is read as the decimal separator ("2400,50").
            text = raw_price.replace(",", "") if "." in raw_price else raw_price.replace(",", ".")
            price = Decimal(text)
            if not price.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            bad("not an amount", raw_price)
            price = None
        else:
            if price < 0:
                bad("the price cannot be negative", raw_price)
            elif price >= Decimal("1e8"):
                bad("the price is too large", raw_price)
    shade = _integer(v, "starting_shade", bad) or Shade.S4
    if shade not in Shade.values:
        bad("not a shade (1-7)", v.get("starting_shade"))
    done = _integer(v, "sessions_done", bad) or 0
    if done < 0:
        bad("sessions done cannot be negative", v["sessions_done"])
    elif quoted is not None and done > quoted:
        bad(f"more sessions done than quoted ({quoted})", v["sessions_done"])
    last_on = _date(v, "last_session_on", bad)
    if done > 0 and last_on is None and not v.get("last_session_on"):
        bad("sessions done need last_session_on", v["sessions_done"])
    if last_on and last_on > dt.date.today():
        bad("the last session is in the future", v["last_session_on"])
    plan = {"treatment_area": area, "quoted_sessions": quoted, "price": price,
            "starting_shade": shade, "hairline_notes": v.get("notes", "")}
    return plan, done, last_on


def _date(v: dict, column: str, bad) -> dt.date | None:
    raw = v.get(column, "")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _not_a_date()
    except ValueError:
        bad(f"not a date (YYYY-MM-DD) in {column}", raw)
        return None


def _not_a_date():
    raise ValueError


def _yes_no(v: dict, column: str, bad) -> bool:
    raw = v.get(column, "").lower()
    if raw in YES:
        return True
    if raw not in NO:
        bad(f"{column} is not yes or no", v.get(column))
    return False


def _integer(v: dict, column: str, bad, *, required: bool = False) -> int | None:
    raw = v.get(column, "")
    if not raw:
        if required:
            bad(f"missing {column.replace('_', ' ')}")
        return None
    try:
        return int(raw)
    except ValueError:
        bad(f"{column} is not a whole number", raw)
        return None


# --------------------------------------------------------------------------- writing


def import_clients(data: bytes, clinic: Clinic, *, filename: str = "", dry_run: bool = False,
                   by=None) -> ImportReport:
    """Check the file and, unless it is a dry run or has a problem, import every line in one
    transaction. Raises ImportFileError for a file that cannot be read at all."""
    lines = read_table(data, filename)
    if dry_run:
        return check_table(lines, clinic)
    with transaction.atomic():
        # Locked like a booking: two imports (or an import and a booking) run one after the other.
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        report = check_table(lines, clinic)
        report.dry_run = False
        if report.ok:
            _write(report, clinic, by)
    return report


def _write(report: ImportReport, clinic: Clinic, by) -> None:
    skip = set(report.already_there)
    rows = [r for r in report.rows if r.line not in skip]
    clients = []
    for row in rows:
        fields = dict(row.client)
        paperwork_on = fields.pop("paperwork_completed_on")
        clients.append(Client(
            clinic=clinic, **fields,
            paperwork_completed_at=at_local(paperwork_on, dt.time(12), clinic.tz) if paperwork_on else None,
        ))
    clients = bulk_create_with_history(clients, Client, batch_size=BATCH, default_user=by,
                                       default_change_reason="Imported")
    plans, history = [], []
    for row, client in zip(rows, clients, strict=True):
        if row.plan is None:
            continue
        status = PlanStatus.QUOTED
        if row.sessions_done:
            status = (PlanStatus.COMPLETED if row.sessions_done >= row.plan["quoted_sessions"]
                      else PlanStatus.ACTIVE)
        completed_at = (at_local(row.last_session_on, booking.IMPORTED_SESSION_TIME, clinic.tz)
                        if status == PlanStatus.COMPLETED else None)
        plans.append(TreatmentPlan(client=client, clinic=clinic, currency=clinic.currency,
                                   status=status, created_by=by, completed_at=completed_at,
                                   **row.plan))
        history.append((row.sessions_done, row.last_session_on))
    plans = bulk_create_with_history(plans, TreatmentPlan, batch_size=BATCH, default_user=by,
                                     default_change_reason="Imported")
    report.created, report.plans = len(clients), len(plans)
    report.sessions = booking.record_imported_history(
        clinic, [(plan, done, last) for plan, (done, last) in zip(plans, history, strict=True) if done],
        by=by,
    )
