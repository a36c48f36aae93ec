"""The tables behind the report charts, and their CSV. A Table is shown as HTML (the
accessible version of the chart) and downloaded as CSV, so both always hold the same rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.http import HttpResponse


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    numeric_from: int = 1  # columns from here on are right-aligned numbers


def csv_response(tables: list[Table], filename: str) -> HttpResponse:
    """Every table of the page in one CSV: a "Table" column names the table of each row."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in tables:
        writer.writerow(["Table", *table.columns])
        for row in table.rows:
            writer.writerow([table.caption, *(_cell(v) for v in row)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(value):
    """Text a spreadsheet would run as a formula (a clinic or staff name typed as "=..."
    ) is quoted; numbers, negative ones included, stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
