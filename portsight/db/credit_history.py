"""Dated credit tiers: which stored credit code an enterprise carries on a China-time day.

`enterprise_credit_history` is append-only: each row applies to declarations from its valid_from
day (China time) until a later row begins; a correction is a new row (the last recorded of a day
wins, portsight.domain.credit.tier_on_timeline). `enterprises.credit_tier` is a cache of the tier
in force *today*, for the many reads that show or group by it; whatever decides on a tier
(selection, dispatch) asks `tier_in_force` for the declaration's day instead. `stale_tiers` finds
the cached values a change dated today (or any day since the last refresh) has made stale;
portsight.services.masterdata.apply_due_credit_changes writes them.

Read by both sides (selection in services, the timeline in queries), so it sits below both.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from portsight.db.models import Enterprise, EnterpriseCreditHistory
from portsight.domain.credit import CreditChange, tier_on_timeline

History = EnterpriseCreditHistory


def credit_changes(conn: Connection | Session, enterprise_id: int) -> list[CreditChange]:
    """An enterprise's recorded changes, in the order they were recorded."""
    rows = conn.execute(
        select(History.valid_from, History.credit_tier, History.id)
        .where(History.enterprise_id == enterprise_id)
        .order_by(History.id)
    )
    return [CreditChange(valid_from, tier, rid) for valid_from, tier, rid in rows]


def tier_in_force(conn: Connection | Session, enterprise_id: int, day: date) -> str:
    """The stored credit code in force for a declaration of that China-time day (the cached tier
    when the enterprise has no change begun by then: enterprises stored before dated changes)."""
    cached = conn.execute(select(Enterprise.credit_tier).where(Enterprise.id == enterprise_id)).scalar_one()
    return tier_on_timeline(credit_changes(conn, enterprise_id), day, cached)


def stale_tiers(conn: Connection | Session, day: date) -> list[tuple[int, str, str]]:
    """(enterprise id, cached tier, tier in force on the day) of every enterprise whose cache differs."""
    ranked = select(
        History.enterprise_id,
        History.credit_tier,
        func.row_number()
        .over(partition_by=History.enterprise_id, order_by=(History.valid_from.desc(), History.id.desc()))
        .label("n"),
    ).where(History.valid_from <= day)
    latest = ranked.subquery()
    rows = conn.execute(
        select(Enterprise.id, Enterprise.credit_tier, latest.c.credit_tier)
        .join(latest, latest.c.enterprise_id == Enterprise.id)
        .where(latest.c.n == 1, latest.c.credit_tier != Enterprise.credit_tier)
        .order_by(Enterprise.id)
    )
    return [(eid, cached, in_force) for eid, cached, in_force in rows]


__all__ = ["credit_changes", "stale_tiers", "tier_in_force"]
