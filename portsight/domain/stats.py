"""Statistics definitions in one place, so the overview, the statistics page and the report agree.

Pure Python (no database, no pandas). The SQL in portsight.db.rollups and
portsight.queries.statistics implements exactly these definitions; the unit tests pin them on
hand-made data, and the integration tests check the SQL against a from-scratch computation
that calls the functions below.

Definitions
-----------
- Day and week: a port's local calendar day in the port's time zone (Port.timezone); a week is
  the ISO week, Monday 00:00 to the next Monday 00:00 local time. An event belongs to the day
  and week of its own timestamp, in its port's time zone.
- Declaration: counts on the day it was declared (declared_at).
- Inspected declaration: a declaration with at least one inspection (physical inspection
  ordered); counted with its declaration (cohort), so the inspection rate of a day is
  inspected / declarations of the declarations declared that day.
- Inspection (the volume "inspections"): a physical inspection whose checklist was completed
  (completed_at set); it counts on the day it was completed. An inspection started on Sunday
  23:30 and completed on Monday 00:40 counts in Monday's week.
- Detection (non-conformity): a counted inspection with at least one Finding. Non-conformity
  (detection) rate = detections / inspections of the same period.
- Inspection duration: completed_at - started_at (minutes); every completed inspection was
  started (the state machine passes through in_progress).
- Hold: an inspection put on hold (transition to the state "held"), counted on that day, even
  when the hold is cleared later.
- Release: an inspection whose decision is "release", counted on the day of the decision.
  Time to release = decided_at - declared_at of its declaration (minutes), so a hold that
  was later released includes the time on hold.
- HS chapter of a declaration: the first two digits of its first goods line (line_no 1),
  "--" when it has none. Credit tier: the enterprise's tier.
- Change: counts and durations compare relatively ((now - before) / before, None when the
  earlier value is 0 or missing); rates compare in percentage points (now - before).
- Same week last year: the same ISO week number of the previous ISO year (week 53 becomes 52
  when the previous year has no week 53).
- Percentiles: linear interpolation between closest ranks (PostgreSQL percentile_cont,
  numpy's default), None for no values.
- Heat map cell: weekday (0 = Monday) and hour of the inspection's start, local time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NO_CHAPTER = "--"
HELD_STATE = "held"
RELEASE_DECISION = "release"

_WEEK_TEXT = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO week: Monday to Sunday, numbered 1..52 or 53 within its ISO year."""

    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.week <= weeks_in_year(self.year):
            raise ValueError(f"{self.year} has no ISO week {self.week}.")

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W05' or '2026W5'."""
        match = _WEEK_TEXT.match(str(text))
        if not match:
            raise ValueError(f"'{text}' is not an ISO week; write it like 2026-W05.")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def previous(self) -> IsoWeek:
        return self.shift(-1)

    def same_week_last_year(self) -> IsoWeek:
        year = self.year - 1
        return IsoWeek(year, min(self.week, weeks_in_year(year)))

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """Start (inclusive) and end (exclusive) of the week in UTC, for a port in time zone tz."""
        return local_day_bounds(self.monday, tz)[0], local_day_bounds(self.sunday, tz)[1]


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the last one."""
    return date(year, 12, 28).isocalendar().week


def last_weeks(end: IsoWeek, count: int) -> list[IsoWeek]:
    """The count weeks ending with end, oldest first."""
    return [end.shift(-i) for i in range(count - 1, -1, -1)]


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are UTC (SQLite hands them back that way)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_day(instant: datetime, tz: str) -> date:
    """The calendar day of instant in time zone tz."""
    return as_utc(instant).astimezone(ZoneInfo(tz)).date()


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a local calendar day, in UTC (DST-safe)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_of(instant: datetime, tz: str) -> IsoWeek:
    return IsoWeek.of(local_day(instant, tz))


def heat_cell(started_at: datetime, tz: str) -> tuple[int, int]:
    """(weekday 0=Monday..6=Sunday, hour 0..23) of a start time, local to the port."""
    local = as_utc(started_at).astimezone(ZoneInfo(tz))
    return local.weekday(), local.hour


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (as_utc(end) - as_utc(start)).total_seconds() / 60.0


def time_to_release_minutes(declared_at: datetime, decided_at: datetime | None, decision: str | None) -> float | None:
    """Declared -> released, in minutes; None unless the decision is release."""
    if decision != RELEASE_DECISION:
        return None
    return minutes_between(declared_at, decided_at)


def inspection_duration_minutes(started_at: datetime | None, completed_at: datetime | None) -> float | None:
    return minutes_between(started_at, completed_at)


def counts_as_inspection(completed_at: datetime | None) -> bool:
    """An inspection counts in the volume once its checklist is completed."""
    return completed_at is not None


def is_detection(completed_at: datetime | None, findings: int) -> bool:
    """A detection (non-conformity) is a counted inspection with at least one finding."""
    return counts_as_inspection(completed_at) and findings > 0


def hs_chapter_of(hs_code: str | None) -> str:
    digits = "".join(ch for ch in str(hs_code or "") if ch.isdigit())
    return digits[:2] if len(digits) >= 2 else NO_CHAPTER


def principal_hs_chapter(lines: Iterable[tuple[int, str]]) -> str:
    """The chapter of the goods line numbered 1; NO_CHAPTER when there is none."""
    for line_no, hs_code in lines:
        if line_no == 1:
            return hs_chapter_of(hs_code)
    return NO_CHAPTER


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def inspection_rate(inspected: int, declarations: int) -> float | None:
    return ratio(inspected, declarations)


def detection_rate(detections: int, inspections: int) -> float | None:
    return ratio(detections, inspections)


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / previous; None when either is missing or previous is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def point_change(current: float | None, previous: float | None) -> float | None:
    """Difference of two rates (fractions): 0.12 - 0.10 = 0.02, i.e. +2 percentage points."""
    if current is None or previous is None:
        return None
    return current - previous


def percentile(values: Sequence[float] | Iterable[float], q: float) -> float | None:
    """The q-quantile (0..1) with linear interpolation between closest ranks; None when empty."""
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    pos = (len(data) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(data[lo])
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float | None:
    return percentile(list(values), 0.5)


# The KPI cards: key, kind of change ("relative" for counts and durations, "points" for rates),
# and whether a rise is good news (None: neither).
KPIS: tuple[tuple[str, str, bool | None], ...] = (
    ("declarations", "relative", None),
    ("inspections", "relative", None),
    ("inspection_rate", "points", None),
    ("detection_rate", "points", None),
    ("release_median_min", "relative", False),
    ("release_p90_min", "relative", False),
    ("holds", "relative", None),
    ("alerts_raised", "relative", False),
    ("alerts_resolved", "relative", True),
    ("remote_assists", "relative", None),
)


def kpi_change(kind: str, current: float | None, previous: float | None) -> float | None:
    return point_change(current, previous) if kind == "points" else relative_change(current, previous)


@dataclass(frozen=True)
class WeekTotals:
    """Counts of one period (from rollups) with the rates derived by the definitions above."""

    declarations: int = 0
    inspected: int = 0
    inspections: int = 0
    non_conforming: int = 0
    released: int = 0
    held: int = 0
    release_minutes_sum: float = 0.0
    inspection_minutes_sum: float = 0.0

    @property
    def inspection_rate(self) -> float | None:
        return inspection_rate(self.inspected, self.declarations)

    @property
    def detection_rate(self) -> float | None:
        return detection_rate(self.non_conforming, self.inspections)

    @property
    def release_mean_min(self) -> float | None:
        return ratio(self.release_minutes_sum, self.released)

    @property
    def inspection_mean_min(self) -> float | None:
        return ratio(self.inspection_minutes_sum, self.inspections)
