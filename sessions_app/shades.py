"""The shade suggestion of R9: retention ratings per zone -> the shade to use now.

A pure function: no database, no clock. The practitioner decides; Pigment only suggests.

Per zone, from the shade that zone had last time:
  - faded  -> one step darker, to compensate (never beyond the darkest shade, 7);
  - patchy -> the same shade: the colour held, the gaps are density work, not shade;
  - held   -> the same shade;
  - not rated -> the same shade (nothing says it should change).
The session's main shade is the one most rated zones need; on a tie the lighter one wins,
because pigment can be darkened at a later session but not lightened. Zones that need
another shade than the main one are listed, so the practitioner can use it there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from clinic.models import Shade
from sessions_app.models import Retention, Zone

LIGHTEST, DARKEST = min(Shade.values), max(Shade.values)


@dataclass(frozen=True)
class ZoneShade:
    zone: str
    retention: int | None
    previous: int
    suggested: int
    capped: bool  # faded, but already at the darkest shade

    @property
    def label(self) -> str:
        return Zone(self.zone).label

    @property
    def retention_label(self) -> str:
        return Retention(self.retention).label if self.retention else "Not rated"


@dataclass(frozen=True)
class ShadeSuggestion:
    shade: int
    previous: int
    zones: tuple[ZoneShade, ...]
    rated: bool  # at least one zone was rated

    @property
    def step(self) -> int:
        return self.shade - self.previous

    @property
    def other_zones(self) -> tuple[ZoneShade, ...]:
        """Rated zones whose own suggestion differs from the main shade."""
        return tuple(z for z in self.zones if z.retention is not None and z.suggested != self.shade)

    @property
    def capped_zones(self) -> tuple[ZoneShade, ...]:
        return tuple(z for z in self.zones if z.capped)

    @property
    def label(self) -> str:
        return Shade(self.shade).label

    @property
    def zone_shades(self) -> dict[str, int]:
        return {z.zone: z.suggested for z in self.other_zones}

    @property
    def zone_shades_attr(self) -> str:
        """"crown:5,scar:5": for the "use this suggestion" button's data attribute."""
        return ",".join(f"{zone}:{shade}" for zone, shade in self.zone_shades.items())

    @property
    def reason(self) -> str:
        """One sentence for the practitioner: why this main shade."""
        if not self.rated:
            return f"No zone rated yet: shade {self.previous} continues until retention is rated."
        faded = [z.label.lower() for z in self.zones
                 if z.retention == Retention.FADED and z.suggested == self.shade]
        if self.step > 0 and faded:
            return (f"Faded in {_join(faded)}: one shade darker than last time "
                    f"({self.previous} to {self.shade}) to compensate.")
        if self.step:
            return f"Most rated zones need shade {self.shade} (shade {self.previous} last time)."
        if self.other_zones or self.capped_zones:
            return f"Most rated zones keep their shade: shade {self.shade} continues."
        return f"The pigment held: shade {self.shade} continues."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _zone(zone: str, previous: int, retention: int | None) -> ZoneShade:
    if retention == Retention.FADED:
        return ZoneShade(zone, retention, previous, min(previous + 1, DARKEST), previous >= DARKEST)
    return ZoneShade(zone, retention, previous, previous, False)


def suggest_shade(
    previous: int,
    ratings: Mapping[str, int | None],
    previous_by_zone: Mapping[str, int] | None = None,
) -> ShadeSuggestion:
    """Suggest the shade for this session.

    `previous` is the session's main shade last time (or the plan's starting shade);
    `ratings` maps zone -> Retention value (None or missing: not rated);
    `previous_by_zone` gives a zone's own shade last time where it differed from `previous`.
    """
    if previous not in Shade.values:
        raise ValueError(f"{previous!r} is not a shade of the scale {LIGHTEST}-{DARKEST}.")
    by_zone = previous_by_zone or {}
    zones = tuple(
        _zone(zone, by_zone.get(zone, previous), ratings.get(zone)) for zone in Zone.values
        if zone in ratings or zone in by_zone
    )
    rated = [z for z in zones if z.retention is not None]
    if not rated:
        return ShadeSuggestion(previous, previous, zones, rated=False)
    counts = Counter(z.suggested for z in rated)
    most = max(counts.values())
    shade = min(s for s, n in counts.items() if n == most)  # a tie goes to the lighter shade
    return ShadeSuggestion(shade, previous, zones, rated=True)
