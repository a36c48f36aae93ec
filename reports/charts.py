"""Server-rendered SVG bar charts: the geometry is worked out here, the template
reports/_bar_chart.html draws it. No JavaScript (strict CSP), prints as it shows, scales to
any width through the viewBox; the table under each chart is its text alternative."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 440
LABEL_WIDTH = 170
BAR_HEIGHT = 22
GAP = 8
VALUE_ROOM = 100  # room right of the longest bar for its value


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown ("62.5 %", "$1,200.00")
    width: float
    y: int

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 6

    @property
    def label_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    summary: str  # one sentence for screen readers; the table has the detail

    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(title: str, items: list[tuple[str, Decimal | int | None, str]], *, scale_max=None) -> BarChart:
    """items: (label, value, text). Values below zero or None draw no bar (the text says it)."""
    values = [float(v) for _, v, _ in items if v is not None]
    top = float(scale_max) if scale_max is not None else max(values + [0.0])
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for i, (label, value, text) in enumerate(items):
        width = room * max(float(value), 0.0) / top if value is not None and top > 0 else 0.0
        bars.append(Bar(label=label[:24], text=text, width=round(width, 1), y=GAP + i * (BAR_HEIGHT + GAP)))
    height = GAP + len(items) * (BAR_HEIGHT + GAP) + GAP
    summary = "; ".join(f"{b.label}: {b.text}" for b in bars[:12])
    return BarChart(title=title, bars=bars, height=max(height, 40), summary=summary)
