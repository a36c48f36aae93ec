"""The figure reports (R19): an overview and one page per figure, each a chart, the table
behind it and a CSV of that table (recorded as an export). Managers see their clinics,
superusers all; everyone else gets 403 (reports.views.managers_only).

The views are thin: scope and period from the request, rows from the domain figures
(sessions_app.figures, aftercare.figures), then tables and charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from aftercare import figures as aftercare_figures
from clinic import audit
from clinic.access import current_clinic
from clinic.clinic_time import local_date
from clinic.models import Clinic
from clinic.report_sql import Period
from reports import tables as t
from reports.charts import bar_chart
from reports.period import PeriodForm
from reports.views import _clinics, managers_only
from sessions_app import figures
from sessions_app.billing import format_money
from sessions_app.models import Zone

REPORT_LINKS = [
    ("overview", "Overview"),
    ("retention", "Retention"),
    ("attendance", "Attendance"),
    ("conversion", "Third session"),
    ("deposits", "Deposits"),
    ("revenue", "Revenue"),
    ("aftercare", "Aftercare"),
]
LOWER_IS_BETTER = {"No-show rate", "Late cancellation rate"}
WEEKDAYS = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass
class Scope:
    clinics: list[Clinic]
    names: dict[int, str]
    period: Period
    today: dt.date
    now: dt.datetime
    form: PeriodForm
    single: Clinic | None


def _scope(request: HttpRequest) -> Scope | None:
    mine = _clinics(request.user).order_by("name")
    form = PeriodForm(request.GET or None, clinics=mine)
    if request.GET and not form.is_valid():
        return Scope(
            [], {}, Period(dt.date.today(), dt.date.today()), dt.date.today(), timezone.now(), form, None
        )
    if not request.GET:
        form = PeriodForm({"period": "this_month"}, clinics=mine)
        form.is_valid()
    single = form.cleaned_data.get("clinic")
    clinics = [single] if single else list(mine)
    now = timezone.now()
    home = current_clinic(request) or single or (clinics[0] if clinics else None)
    today = local_date(now, home.tz) if home else timezone.localdate()
    return Scope(
        clinics, {c.pk: c.name for c in clinics}, form.chosen_period(today), today, now, form, single
    )


def _pct(value) -> str:
    return "–" if value is None else f"{value} %"


def _month(row) -> str:
    return f"{row['year']:04d}-{row['month']:02d}"


def _monthly_table(title: str, scope, rows, cols, figures_of) -> t.Table:
    """A figure per clinic and month, sorted by clinic name, then month."""
    ordered = sorted(rows, key=lambda r: (scope.names[r["clinic_id"]], r["year"], r["month"]))
    return t.Table(title, ["Clinic", "Month", *cols],
                   [[scope.names[r["clinic_id"]], _month(r), *figures_of(r)] for r in ordered],
                   numeric_from=2)


def _page(request, scope: Scope, *, name: str, title: str, intro: str, charts, tables, as_csv: bool):
    if as_csv:
        if scope.form.errors:
            return HttpResponse("Fix the period first.", status=400, content_type="text/plain")
        audit.record_export(
            request,
            what=f"Report: {title} (CSV)",
            clinic=scope.single,
            detail=scope.form.description(scope.period),
        )
        return t.csv_response(tables, f"{name}-{scope.period.first:%Y%m%d}-{scope.period.last:%Y%m%d}.csv")
    query = request.GET.urlencode()
    return render(
        request,
        "reports/figure.html",
        {
            "title": title,
            "intro": intro,
            "charts": charts,
            "tables": tables,
            "scope": scope,
            "form": scope.form,
            "csv_url": reverse(f"reports:{name}_csv") + (f"?{query}" if query else ""),
            "active": name,
            "report_links": REPORT_LINKS,
        },
    )


# --------------------------------------------------------------------------- retention


def retention_tables(scope: Scope, practitioner=None) -> list[t.Table]:
    data = figures.retention(scope.clinics, scope.period, practitioner=practitioner)
    zones = dict(Zone.choices)
    order = list(zones)
    cols = ["Held", "Rated", "Held %"]
    by_zone = sorted(data["by_zone"], key=lambda r: (scope.names[r["clinic_id"]], order.index(r["zone_key"])))
    by_prac = sorted(
        data["by_practitioner"], key=lambda r: (scope.names[r["clinic_id"]], r["last"], r["first"])
    )
    by_month = sorted(data["by_month"], key=lambda r: (scope.names[r["clinic_id"]], r["year"], r["month"]))
    return [
        t.Table(
            "Retention per zone",
            ["Clinic", "Zone", *cols],
            [
                [scope.names[r["clinic_id"]], zones[r["zone_key"]], r["held"], r["rated"], r["share"]]
                for r in by_zone
            ],
            numeric_from=2,
        ),
        t.Table(
            "Retention per practitioner",
            ["Clinic", "Practitioner", *cols],
            [
                [scope.names[r["clinic_id"]], f"{r['first']} {r['last']}", r["held"], r["rated"], r["share"]]
                for r in by_prac
            ],
            numeric_from=2,
        ),
        t.Table(
            "Retention per month",
            ["Clinic", "Month", *cols],
            [[scope.names[r["clinic_id"]], _month(r), r["held"], r["rated"], r["share"]] for r in by_month],
            numeric_from=2,
        ),
    ]


def _share_chart(title: str, table: t.Table, label_cols: tuple[int, ...], value_col: int, multi: bool):
    items = []
    for row in table.rows:
        label = " · ".join(str(row[i]) for i in label_cols if multi or i != 0)
        items.append((label, row[value_col], _pct(row[value_col])))
    return bar_chart(title, items, scale_max=100)


@managers_only
def retention(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = retention_tables(scope) if not scope.form.errors else []
    multi = len(scope.clinics) > 1
    charts = (
        [
            _share_chart(f"Share of zones held at session 2, {tb.caption.split()[-1]}", tb, (0, 1), 4, multi)
            for tb in tables[:2]
        ]
        if tables
        else []
    )
    return _page(
        request,
        scope,
        name="retention",
        title="Retention",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro="Zone ratings made at a completed second session in the period: the share rated "
        "“held” (the pigment of session 1 kept its tone).",
    )


# --------------------------------------------------------------------------- attendance


def attendance_tables(scope: Scope) -> list[t.Table]:
    data = figures.attendance(scope.clinics, scope.period, scope.now)
    cols = ["Sessions", "No-shows", "No-show %", "Late cancellations", "Late cancellation %"]

    def figures_of(r):
        return [r["sessions"], r["no_shows"], r["no_show_rate"], r["late_cancellations"], r["late_rate"]]

    return [
        t.Table(
            "Attendance per clinic",
            ["Clinic", *cols],
            [
                [scope.names[r["clinic_id"]], *figures_of(r)]
                for r in sorted(data["by_clinic"], key=lambda r: scope.names[r["clinic_id"]])
            ],
        ),
        t.Table(
            "Attendance per weekday",
            ["Weekday", *cols],
            [[WEEKDAYS[r["weekday"]], *figures_of(r)] for r in data["by_weekday"]],
        ),
        t.Table(
            "Attendance per hour",
            ["Starting hour", *cols],
            [[f"{r['hour']:02d}:00", *figures_of(r)] for r in data["by_hour"]],
        ),
        _monthly_table("Attendance per month", scope, data["by_month"], cols, figures_of),
    ]


@managers_only
def attendance(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = attendance_tables(scope) if not scope.form.errors else []
    charts = []
    if tables:
        charts = [
            bar_chart("No-show rate per clinic", [(r[0], r[3], _pct(r[3])) for r in tables[0].rows]),
            bar_chart("No-show rate per weekday", [(r[0], r[3], _pct(r[3])) for r in tables[1].rows]),
            bar_chart("No-show rate per starting hour", [(r[0], r[3], _pct(r[3])) for r in tables[2].rows]),
            bar_chart(
                "Late cancellation rate per clinic", [(r[0], r[5], _pct(r[5])) for r in tables[0].rows]
            ),
        ]
    return _page(
        request,
        scope,
        name="attendance",
        title="Attendance",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro="Sessions whose start in the period has passed (cancellations made in good time "
        "left out): how many were no-shows and how many were cancelled late.",
    )


# --------------------------------------------------------------------------- conversion


def conversion_tables(scope: Scope) -> list[t.Table]:
    rows = figures.conversion(scope.clinics, scope.period, scope.today)
    return [
        t.Table(
            "Third-session conversion per clinic",
            ["Clinic", "Windows opened", "Session 3 booked", "Booked inside the window", "Conversion %"],
            [
                [scope.names[r["clinic_id"]], r["opened"], r["booked"], r["converted"], r["rate"]]
                for r in sorted(rows, key=lambda r: scope.names[r["clinic_id"]])
            ],
        )
    ]


@managers_only
def conversion(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = conversion_tables(scope) if not scope.form.errors else []
    charts = (
        [
            bar_chart(
                "Third-session conversion per clinic",
                [(r[0], r[4], _pct(r[4])) for r in tables[0].rows],
                scale_max=100,
            )
        ]
        if tables
        else []
    )
    return _page(
        request,
        scope,
        name="conversion",
        title="Third-session conversion",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro="Plans quoting a third session whose window (21-28 days after session 2, the clinic's "
        "setting) opened in the period: the share with session 3 booked inside the window.",
    )


# --------------------------------------------------------------------------- deposits

DEPOSIT_FIGURES = [
    ("paid", "Paid"),
    ("applied", "Applied"),
    ("forfeited", "Forfeited"),
    ("refunded", "Refunded"),
    ("held", "Held now"),
]


def deposit_tables(scope: Scope) -> list[t.Table]:
    rows = sorted(
        figures.deposits(scope.clinics, scope.period),
        key=lambda r: (scope.names[r["clinic_id"]], r["currency"]),
    )
    columns = ["Clinic", "Currency"]
    for _, label in DEPOSIT_FIGURES:
        columns += [f"{label} (number)", f"{label} (amount)"]
    body = []
    for r in rows:
        line = [scope.names[r["clinic_id"]], r["currency"]]
        for key, _ in DEPOSIT_FIGURES:
            line += [r[f"{key}_count"], r[f"{key}_amount"]]
        body.append(line)
    return [t.Table("Deposits per clinic", columns, body, numeric_from=2)]


@managers_only
def deposits(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = deposit_tables(scope) if not scope.form.errors else []
    charts = []
    for currency, totals in figures.deposit_totals(scope.clinics, scope.period).items() if tables else []:
        charts.append(
            bar_chart(
                f"Deposits in {currency}",
                [
                    (label, totals[f"{key}_amount"], format_money(totals[f"{key}_amount"], currency))
                    for key, label in DEPOSIT_FIGURES
                ],
            )
        )
    return _page(
        request,
        scope,
        name="deposits",
        title="Deposits",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro="Deposits paid in the period; applied, forfeited and refunded in the period; and held "
        "now (paid, waiting for their session). One line per currency: amounts in different "
        "currencies are never added.",
    )


# --------------------------------------------------------------------------- revenue


def revenue_tables(scope: Scope) -> list[t.Table]:
    rows = figures.revenue(scope.clinics, scope.period)
    rows.sort(key=lambda r: (scope.names[r["clinic_id"]], r["currency"], r["year"], r["month"]))
    owed = sorted(figures.balances(scope.clinics), key=lambda r: (scope.names[r["clinic_id"]], r["currency"]))
    return [
        t.Table(
            "Revenue per month",
            ["Clinic", "Month", "Currency", "Payments", "Deposits received", "Deposits refunded", "Revenue"],
            [
                [
                    scope.names[r["clinic_id"]],
                    _month(r),
                    r["currency"],
                    r["payments"],
                    r["deposits"],
                    r["refunds"],
                    r["revenue"],
                ]
                for r in rows
            ],
            numeric_from=3,
        ),
        t.Table(
            "Balances outstanding now",
            ["Clinic", "Currency", "Plans owing", "Outstanding", "Deposits held"],
            [
                [scope.names[r["clinic_id"]], r["currency"], r["plans"], r["outstanding"], r["held"]]
                for r in owed
            ],
            numeric_from=2,
        ),
    ]


@managers_only
def revenue(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = revenue_tables(scope) if not scope.form.errors else []
    charts = []
    if tables:
        currencies = sorted({r[2] for r in tables[0].rows})
        multi = len(scope.clinics) > 1
        for currency in currencies:
            charts.append(
                bar_chart(
                    f"Revenue per month in {currency}",
                    [
                        (f"{r[0]} · {r[1]}" if multi else r[1], r[6], format_money(r[6], currency))
                        for r in tables[0].rows
                        if r[2] == currency
                    ],
                )
            )
    return _page(
        request,
        scope,
        name="revenue",
        title="Revenue and balances",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro="Money received per month: payments plus deposits received, less deposits refunded; "
        "and what open plans still owe now. One line per currency, never added across currencies.",
    )


# --------------------------------------------------------------------------- aftercare


def aftercare_tables(scope: Scope) -> list[t.Table]:
    data = aftercare_figures.delivery(scope.clinics, scope.period, scope.now)
    cols = ["Due", "Sent", "Sent on time", "Sent late", "Failed", "Cancelled", "On time %"]

    def figures_of(r):
        return [
            r["due"],
            r["sent"],
            r["on_time"],
            r["sent_late"],
            r["failed"],
            r["cancelled"],
            r["on_time_rate"],
        ]

    channels = {"email": "E-mail", "sms": "SMS"}
    return [
        t.Table(
            "Aftercare delivery per channel",
            ["Clinic", "Channel", *cols],
            [
                [scope.names[r["clinic_id"]], channels.get(r["channel"], r["channel"]), *figures_of(r)]
                for r in sorted(data["by_channel"], key=lambda r: (scope.names[r["clinic_id"]], r["channel"]))
            ],
            numeric_from=2,
        ),
        _monthly_table("Aftercare delivery per month", scope, data["by_month"], cols, figures_of),
    ]


@managers_only
def aftercare(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = aftercare_tables(scope) if not scope.form.errors else []
    multi = len(scope.clinics) > 1
    charts = [_share_chart("Aftercare messages sent on time", tables[0], (0, 1), 8, multi)] if tables else []
    return _page(
        request,
        scope,
        name="aftercare",
        title="Aftercare delivery",
        as_csv=as_csv,
        charts=charts,
        tables=tables,
        intro=f"Aftercare messages due in the period: sent on time, sent late (more than "
        f"{int(aftercare_figures.SENT_LATE_AFTER.total_seconds() // 3600)} hour after their time), "
        "failed. Cancelled messages count in no rate.",
    )


# --------------------------------------------------------------------------- overview


def _change(now, before):
    """The change from the previous period (percentage points for a rate); None when either
    period has nothing to count."""
    if now is None or before is None:
        return None
    return now - before


def overview_tables(scope: Scope) -> list[t.Table]:
    before = scope.period.previous()
    rows = []

    def add(figure, now_value, before_value, unit):
        rows.append([figure, now_value, before_value, _change(now_value, before_value), unit])

    ret_now, ret_before = (figures.retention_totals(scope.clinics, p) for p in (scope.period, before))
    add("Retention held at session 2", ret_now["share"], ret_before["share"], "%")
    att_now, att_before = (
        figures.attendance_totals(scope.clinics, p, scope.now) for p in (scope.period, before)
    )
    add("No-show rate", att_now["no_show_rate"], att_before["no_show_rate"], "%")
    add("Late cancellation rate", att_now["late_rate"], att_before["late_rate"], "%")
    conv_now, conv_before = (
        figures.conversion_totals(scope.clinics, p, scope.today) for p in (scope.period, before)
    )
    add("Third-session conversion", conv_now["rate"], conv_before["rate"], "%")
    aft_now, aft_before = (
        aftercare_figures.delivery_totals(scope.clinics, p, scope.now) for p in (scope.period, before)
    )
    add("Aftercare messages sent on time", aft_now["on_time_rate"], aft_before["on_time_rate"], "%")
    rev_now, rev_before = (figures.revenue_totals(scope.clinics, p) for p in (scope.period, before))
    for currency in sorted(set(rev_now) | set(rev_before)):
        zero = figures.ZERO
        add(f"Revenue in {currency}", rev_now.get(currency, zero), rev_before.get(currency, zero), currency)
    return [t.Table("Headline figures", ["Figure", "This period", "Previous period", "Change", "Unit"], rows)]


@managers_only
def overview(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    scope = _scope(request)
    tables = overview_tables(scope) if not scope.form.errors else []
    cards = []
    for row in tables[0].rows if tables else []:
        figure, now_value, before_value, change, unit = row
        def show(value, unit=unit):
            return _pct(value) if unit == "%" else format_money(value, unit)

        cards.append(
            {
                "figure": figure,
                "value": show(now_value),
                "before": show(before_value),
                "change": None if change is None else f"{change:+}{' pts' if unit == '%' else ''}",
                # Green when the figure got better: fewer no-shows and late cancellations are.
                "up": change is not None and (change < 0 if figure in LOWER_IS_BETTER else change > 0),
                "down": change is not None and (change > 0 if figure in LOWER_IS_BETTER else change < 0),
            }
        )
    if as_csv:
        return _page(
            request, scope, name="overview", title="Overview", intro="", as_csv=True, charts=[], tables=tables
        )
    query = request.GET.urlencode()
    return render(
        request,
        "reports/overview.html",
        {
            "cards": cards,
            "tables": tables,
            "scope": scope,
            "form": scope.form,
            "active": "overview",
            "report_links": REPORT_LINKS,
            "previous": scope.period.previous(),
            "csv_url": reverse("reports:overview_csv") + (f"?{query}" if query else ""),
        },
    )
