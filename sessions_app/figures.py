"""The managers' figures (R19) about sessions and money, computed by the database.

Every function takes the clinics in scope and a Period of clinic-local dates, runs a fixed
number of grouped queries (whatever the data size) and returns plain rows. The definitions,
in words, are in docs/reports.md:

- retention: zone ratings made at a completed session 2 in the period; share rated "held";
- attendance: sessions whose start in the period has passed, without the ones cancelled in
  good time (they were never going to happen); no-shows and late cancellations among them;
- third-session conversion: plans quoting a third session whose window (R5) opened in the
  period; converted when session 3 is booked (or done) to start inside the window;
- deposits: paid in the period; applied, forfeited, refunded in the period; held now;
- revenue per month: payments + deposits received - deposits refunded, per currency;
- balances outstanding: per currency, the sum of the positive balances of open plans.
Money stays Decimal and is grouped by currency: no figure adds two currencies together."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, FilteredRelation, Q, Sum, Value
from django.db.models.functions import Coalesce

from clinic.models import Clinic, PlanStatus
from clinic.report_sql import LocalDaysBetween, LocalPart, Period, in_period
from sessions_app.models import (
    LIVE_STATUSES,
    Deposit,
    DepositState,
    Payment,
    Retention,
    SessionStatus,
    TreatmentSession,
    ZoneAssessment,
)

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def share(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# --------------------------------------------------------------------------- retention


def _ratings(clinics, period: Period, practitioner=None):
    rows = ZoneAssessment.objects.filter(
        in_period("record__session__starts_at", clinics, period, clinic_field="record__session__clinic"),
        retention__isnull=False,
        record__session__number=2,
        record__session__status=SessionStatus.COMPLETED,
    )
    if practitioner is not None:
        rows = rows.filter(record__session__practitioner=practitioner)
    return rows.order_by()


_HELD = {"held": Count("id", filter=Q(retention=Retention.HELD)), "rated": Count("id")}


def retention_totals(clinics, period: Period, *, practitioner=None) -> dict:
    """{"held": n, "rated": n, "share": %} over the clinics (one query)."""
    totals = _ratings(clinics, period, practitioner).aggregate(**_HELD)
    return {**totals, "share": share(totals["held"], totals["rated"])}


def retention(clinics, period: Period, *, practitioner=None) -> dict:
    """Per clinic and zone, per clinic and practitioner, per clinic and month (3 queries)."""
    rows = _ratings(clinics, period, practitioner)
    session = "record__session__"
    by_zone = rows.values(clinic_id=F(f"{session}clinic"), zone_key=F("zone")).annotate(**_HELD)
    by_practitioner = rows.values(
        clinic_id=F(f"{session}clinic"),
        first=F(f"{session}practitioner__first_name"),
        last=F(f"{session}practitioner__last_name"),
        who=F(f"{session}practitioner"),
    ).annotate(**_HELD)
    local = {"instant": F(f"{session}starts_at"), "zone": F(f"{session}clinic__time_zone")}
    by_month = rows.values(
        clinic_id=F(f"{session}clinic"),
        year=LocalPart(local["instant"], local["zone"], part="year"),
        month=LocalPart(local["instant"], local["zone"], part="month"),
    ).annotate(**_HELD)
    return {
        "by_zone": _with_share(by_zone, "held", "rated"),
        "by_practitioner": _with_share(by_practitioner, "held", "rated"),
        "by_month": _with_share(by_month, "held", "rated"),
    }


# --------------------------------------------------------------------------- attendance


def _attended(clinics, period: Period, now: dt.datetime):
    return (
        TreatmentSession.objects.filter(
            in_period("starts_at", clinics, period),
            starts_at__lt=now,
        )
        .exclude(status=SessionStatus.CANCELLED, late_cancellation=False)
        .order_by()
    )


_MISSED = {
    "sessions": Count("id"),
    "no_shows": Count("id", filter=Q(status=SessionStatus.NO_SHOW)),
    "late_cancellations": Count("id", filter=Q(status=SessionStatus.CANCELLED, late_cancellation=True)),
}


def _attendance_rates(row: dict) -> dict:
    return {
        **row,
        "no_show_rate": share(row["no_shows"], row["sessions"]),
        "late_rate": share(row["late_cancellations"], row["sessions"]),
    }


def attendance_totals(clinics, period: Period, now: dt.datetime) -> dict:
    return _attendance_rates(_attended(clinics, period, now).aggregate(**_MISSED))


def attendance(clinics, period: Period, now: dt.datetime) -> dict:
    """Per clinic, per local weekday, per local hour and per clinic and month (4 queries)."""
    rows = _attended(clinics, period, now)
    instant, zone = F("starts_at"), F("clinic__time_zone")
    return {
        "by_clinic": [_attendance_rates(r) for r in rows.values("clinic_id").annotate(**_MISSED)],
        "by_weekday": [
            _attendance_rates(r)
            for r in rows.values(weekday=LocalPart(instant, zone, part="isodow"))
            .annotate(**_MISSED)
            .order_by("weekday")
        ],
        "by_hour": [
            _attendance_rates(r)
            for r in rows.values(hour=LocalPart(instant, zone, part="hour"))
            .annotate(**_MISSED)
            .order_by("hour")
        ],
        "by_month": [
            _attendance_rates(r)
            for r in rows.values(
                "clinic_id",
                year=LocalPart(instant, zone, part="year"),
                month=LocalPart(instant, zone, part="month"),
            ).annotate(**_MISSED)
        ],
    }


# --------------------------------------------------------------------------- conversion


def conversion(clinics, period: Period, today: dt.date) -> list[dict]:
    """Per clinic: plans quoting a third session whose window opened in the period (and by
    `today`), and how many of them have session 3 booked inside the window (one query).

    The window opens third_window_min_days after session 2 on the clinic's calendar, so the
    period is moved back by that many days per clinic and matched on session 2's start."""
    if period.last > today:
        period = Period(period.first, today)
    if period.first > period.last:
        return []
    # A join, not a subquery per plan: at most one live session 3 per plan (a constraint).
    third = FilteredRelation(
        "plan__sessions", condition=Q(plan__sessions__number=3, plan__sessions__status__in=LIVE_STATUSES)
    )
    rows = (
        TreatmentSession.objects.filter(
            in_period("starts_at", clinics, period, shift_attr="third_window_min_days"),
            number=2,
            status=SessionStatus.COMPLETED,
            plan__quoted_sessions__gte=3,
        )
        .annotate(third=third)
        .annotate(
            third_at=F("third__starts_at"),
            gap=LocalDaysBetween(F("starts_at"), F("third__starts_at"), F("clinic__time_zone")),
        )
        .order_by()
        .values("clinic_id")
        .annotate(
            opened=Count("id"),
            booked=Count("id", filter=Q(third_at__isnull=False)),
            converted=Count(
                "id",
                filter=Q(
                    gap__gte=F("clinic__third_window_min_days"), gap__lte=F("clinic__third_window_max_days")
                ),
            ),
        )
    )
    return [{**r, "rate": share(r["converted"], r["opened"])} for r in rows]


def conversion_totals(clinics, period: Period, today: dt.date) -> dict:
    rows = conversion(clinics, period, today)
    opened = sum(r["opened"] for r in rows)
    converted = sum(r["converted"] for r in rows)
    return {"opened": opened, "converted": converted, "rate": share(converted, opened)}


# --------------------------------------------------------------------------- deposits


def _money(filter_q: Q) -> Coalesce:
    return Coalesce(Sum("amount", filter=filter_q), Value(ZERO), output_field=_MONEY)


def deposits(clinics, period: Period) -> list[dict]:
    """Per clinic and currency: paid (received in the period), applied, forfeited and
    refunded (closed in the period), and held now (paid, not yet used). One query."""
    paid = in_period("paid_at", clinics, period, clinic_field="plan__clinic")
    closed = in_period("closed_at", clinics, period, clinic_field="plan__clinic")
    mine = Q(plan__clinic__in=[c.pk for c in clinics])
    figures = {"paid": paid}
    for state in (DepositState.APPLIED, DepositState.FORFEITED, DepositState.REFUNDED):
        figures[state.value] = closed & Q(state=state)
    figures["held"] = Q(state=DepositState.PAID)
    aggregates = {}
    for name, q in figures.items():
        aggregates[f"{name}_count"] = Count("id", filter=q)
        aggregates[f"{name}_amount"] = _money(q)
    rows = (
        Deposit.objects.filter(mine & (paid | closed | Q(state=DepositState.PAID)))
        .order_by()
        .values(
            "currency",
            clinic_id=F("plan__clinic"),
        )
        .annotate(**aggregates)
    )
    return list(rows)


def deposit_totals(clinics, period: Period) -> dict[str, dict]:
    """The deposits figures per currency over the clinics (summed in Python from the
    per-clinic rows: Decimal, one currency at a time)."""
    return _per_currency(deposits(clinics, period))


# --------------------------------------------------------------------------- revenue


def revenue(clinics, period: Period) -> list[dict]:
    """Per clinic, currency and local month: payments, deposits received, deposits refunded,
    and revenue = payments + deposits received - refunds (3 queries)."""
    months: dict[tuple, dict] = defaultdict(lambda: {"payments": ZERO, "deposits": ZERO, "refunds": ZERO})
    sources = (
        (
            "payments",
            Payment.objects.filter(in_period("received_at", clinics, period, clinic_field="plan__clinic")),
            "received_at",
        ),
        (
            "deposits",
            Deposit.objects.filter(in_period("paid_at", clinics, period, clinic_field="plan__clinic")),
            "paid_at",
        ),
        (
            "refunds",
            Deposit.objects.filter(
                in_period("closed_at", clinics, period, clinic_field="plan__clinic"),
                state=DepositState.REFUNDED,
            ),
            "closed_at",
        ),
    )
    for name, rows, instant in sources:
        zone = F("plan__clinic__time_zone")
        grouped = (
            rows.order_by()
            .values(
                "currency",
                clinic_id=F("plan__clinic"),
                year=LocalPart(F(instant), zone, part="year"),
                month=LocalPart(F(instant), zone, part="month"),
            )
            .annotate(total=Sum("amount"))
        )
        for row in grouped:
            key = (row["clinic_id"], row["currency"], row["year"], row["month"])
            months[key][name] += row["total"]
    result = []
    for (clinic_id, currency, year, month), money in sorted(months.items()):
        revenue_ = money["payments"] + money["deposits"] - money["refunds"]
        result.append(
            {
                "clinic_id": clinic_id,
                "currency": currency,
                "year": year,
                "month": month,
                **money,
                "revenue": revenue_,
            }
        )
    return result


def revenue_totals(clinics, period: Period) -> dict[str, Decimal]:
    """Revenue per currency over the clinics and the whole period."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in revenue(clinics, period):
        totals[row["currency"]] += row["revenue"]
    return dict(sorted(totals.items()))


_BALANCES_SQL = """
    SELECT p.clinic_id, p.currency, COUNT(*),
           SUM(p.price - COALESCE(pay.total, 0) - COALESCE(dep.applied, 0)), SUM(COALESCE(dep.held, 0))
    FROM clinic_treatmentplan p
    LEFT JOIN (
        SELECT plan_id, SUM(amount) AS total FROM sessions_app_payment
        WHERE plan_id IN (SELECT id FROM clinic_treatmentplan WHERE clinic_id IN ({clinics}))
        GROUP BY plan_id
    ) pay ON pay.plan_id = p.id
    LEFT JOIN (
        SELECT plan_id, SUM(CASE WHEN state = 'applied' THEN amount ELSE 0 END) AS applied,
               SUM(CASE WHEN state = 'paid' THEN amount ELSE 0 END) AS held
        FROM sessions_app_deposit
        WHERE state IN ('applied', 'paid')
          AND plan_id IN (SELECT id FROM clinic_treatmentplan WHERE clinic_id IN ({clinics}))
        GROUP BY plan_id
    ) dep ON dep.plan_id = p.id
    WHERE p.clinic_id IN ({clinics}) AND p.status IN (%s, %s)
      AND p.price - COALESCE(pay.total, 0) - COALESCE(dep.applied, 0) > 0
    GROUP BY p.clinic_id, p.currency
"""


def balances(clinics) -> list[dict]:
    """Per clinic and currency, now: the active and completed plans that still owe money,
    and the sum of what they owe (price - payments - deposits applied, the rule of the plan's
    bill in sessions_app.billing; held deposits shown beside it). One query: the payments
    and deposits are summed per plan by two grouped joins, not one subquery per plan (a
    chain holds hundreds of thousands of plans)."""
    ids = [int(c.pk) for c in clinics]
    if not ids:
        return []
    sql = _BALANCES_SQL.format(clinics=", ".join(str(pk) for pk in ids))  # ints from the database
    with connection.cursor() as cursor:
        cursor.execute(sql, [PlanStatus.ACTIVE, PlanStatus.COMPLETED])
        rows = cursor.fetchall()
    return [
        {"clinic_id": clinic_id, "currency": currency, "plans": plans, "outstanding": _decimal(owed),
         "held": _decimal(held)}
        for clinic_id, currency, plans, owed, held in rows
    ]


def _decimal(value) -> Decimal:
    """PostgreSQL returns numeric as Decimal; SQLite (development) sums to int or float, which
    for two-decimal amounts goes back exactly through its shortest repr."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- helpers


def _with_share(rows, part: str, whole: str) -> list[dict]:
    return [{**r, "share": share(r[part], r[whole])} for r in rows]


def _per_currency(rows: list[dict]) -> dict[str, dict]:
    totals: dict[str, dict] = {}
    for row in rows:
        into = totals.setdefault(row["currency"], {})
        for key, value in row.items():
            if key in ("currency", "clinic_id"):
                continue
            into[key] = into.get(key, 0) + value
    return dict(sorted(totals.items()))


def clinics_by_id(clinics) -> dict[int, Clinic]:
    return {c.pk: c for c in clinics}
