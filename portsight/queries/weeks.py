"""A week of a scope in SQL, for the statistics review: the scope's ports, a week in each port's
own time zone, and sums over the daily rollups of its days.

port_ids: the ports the reader may see (a collection of ids, or None for every port).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, func, or_, select

from portsight.db.models import DailyRollup, Port
from portsight.db.rollups import COUNTS as ROLLUP_SUMS
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain.stats import IsoWeek


@dataclass(frozen=True)
class PortInfo:
    id: int
    code: str
    name_en: str
    name_zh: str
    timezone: str


def scope_ports(db: Database, port_ids: Iterable[int] | None) -> list[PortInfo]:
    """The ports of the scope (every port for None), ordered by code."""
    stmt = select(Port.id, Port.code, Port.name_en, Port.name_zh, Port.timezone).order_by(Port.code)
    if port_ids is not None:
        stmt = stmt.where(Port.id.in_(sorted(port_ids)))
    with connection(db) as conn:
        return [PortInfo(*row) for row in conn.execute(stmt)]


def _zones(ports: list[PortInfo]) -> dict[str, list[int]]:
    zones: dict[str, list[int]] = defaultdict(list)
    for p in ports:
        zones[p.timezone].append(p.id)
    return dict(zones)


def in_week(port_col, time_col, ports: list[PortInfo], week: IsoWeek):
    """WHERE clause: time_col within the week in each port's own zone, port_col in the scope.

    Ports sharing a zone share one range, so the clause is a short OR of index ranges.
    """
    clauses = []
    for tz, ids in sorted(_zones(ports).items()):
        start, end = week.bounds(tz)
        clauses.append(and_(port_col.in_(ids), time_col >= start, time_col < end))
    return or_(*clauses) if clauses else false()


def rollup_days(ports: list[PortInfo], first: date, last: date, table=DailyRollup):
    """WHERE clause: the rollup rows of the scope's ports from first to last (local days, both included)."""
    return and_(
        table.port_id.in_([p.id for p in ports]),
        table.day >= first,
        table.day <= last,
    )


def rollup_sums(table=DailyRollup, names: tuple[str, ...] = ROLLUP_SUMS):
    """SELECT columns: each named rollup count summed (0 when there is no row)."""
    return [func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in names]


def sum_type(name: str) -> type:
    """What a rollup sum holds: minutes (*_sum) are float, counts int."""
    return float if name.endswith("_sum") else int


def typed_sum(name: str, value) -> float | int:
    """A rollup sum as read from the database (NULL: 0), as its type."""
    return sum_type(name)(value or 0)


__all__ = [
    "ROLLUP_SUMS",
    "PortInfo",
    "in_week",
    "rollup_days",
    "rollup_sums",
    "scope_ports",
    "sum_type",
    "typed_sum",
]
