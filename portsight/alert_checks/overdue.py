"""Overdue inspections: open longer than the service time, raised again every further service time.

The service time is the inspectors' work; an inspection waiting for a treatment, a laboratory or an
identification (portsight.domain.inspection.AWAITING_RESULT_STATES) is not overdue for it.

k = whole service times since the inspection was opened: the alert is raised when k becomes 1,
raised again at k = 2, 3, ... (and becomes high from k = 2) while the inspection stays open.
The condition clears when the inspection leaves the inspectors' hands (decided, or waiting for a
result) or when the service time in force is longer than it has been open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.alert_checks.triggers import Cleared, Trigger, Unresolved
from portsight.clock import as_utc
from portsight.db.models import Declaration, Inspection
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.inspection import ACTIVE_STATES


def overdue_trigger(
    inspection_id: int,
    port_id: int | None,
    number: str,
    state: str,
    created: datetime,
    until: datetime,
    limits: AlertCheckLimits,
) -> Trigger | None:
    """The latest trigger of an inspection opened at `created` and still open at `until` (None
    before its first service time); the demo seed records its history with it too."""
    period = timedelta(minutes=limits.overdue_minutes)
    k = int((until - created) / period)
    if k < 1:
        return None
    minutes = int((until - created).total_seconds() // 60)
    return Trigger(
        dedupe_key=f"overdue:inspection:{inspection_id}",
        kind="overdue",
        severity="high" if k >= 2 else "medium",
        port_id=port_id,
        title=f"Inspection of {number} is overdue ({state}, open {minutes} min)",
        title_key="alert_titles.overdue",
        title_params={"declaration": number, "state": {"state": state}, "open": {"minutes": minutes}},
        at=created + k * period,
        detail={
            "declaration": number,
            "state": state,
            "open_minutes": minutes,
            "overdue_minutes": limits.overdue_minutes,
            "periods": k,
        },
        inspection_id=inspection_id,
    )


def overdue_triggers(session: Session, now: datetime, limits: AlertCheckLimits) -> list[Trigger]:
    """Open inspections older than the service time; one trigger each, for the service times elapsed."""
    period = timedelta(minutes=limits.overdue_minutes)
    rows = session.execute(
        select(Inspection.id, Inspection.port_id, Inspection.state, Inspection.created_at, Declaration.number)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(Inspection.state.in_(sorted(ACTIVE_STATES)), Inspection.created_at <= now - period)
    ).all()
    out = []
    for inspection_id, port_id, state, created_at, number in rows:
        trigger = overdue_trigger(inspection_id, port_id, number, state, as_utc(created_at), now, limits)
        if trigger is not None:
            out.append(trigger)
    return out


def overdue_cleared(session: Session, now: datetime, limits: AlertCheckLimits, alerts: list[Unresolved]) -> Cleared:
    """The overdue alerts whose inspection is no longer open past the service time, and why."""
    if not alerts:
        return {}
    ids = {a.inspection_id for a in alerts if a.inspection_id is not None}
    rows = {
        iid: (state, as_utc(created))
        for iid, state, created in session.execute(
            select(Inspection.id, Inspection.state, Inspection.created_at).where(Inspection.id.in_(sorted(ids)))
        )
    }
    out: Cleared = {}
    for alert in alerts:
        if alert.inspection_id not in rows:
            continue
        state, created = rows[alert.inspection_id]
        minutes = int((now - created).total_seconds() // 60)
        if state not in ACTIVE_STATES:
            out[alert.id] = {"inspection_state": state}
        elif minutes < limits.overdue_minutes:
            out[alert.id] = {"open_minutes": minutes, "overdue_minutes": limits.overdue_minutes}
    return out
