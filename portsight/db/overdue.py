"""Overdue, one definition for every reader: an inspection still in the inspectors' hands
(ACTIVE_STATES: waiting, under inspection or completed; treatment, a laboratory or an
identification is outside work and never overdue) opened at or before now minus the service time
in force (portsight.db.alert_parameters; the overdue alert check raises with the same value).

The board counts these and the inspections list filters on them (?overdue=1), so a click on the
board's "Overdue" figure opens exactly the inspections it counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_

from portsight.clock import as_utc
from portsight.db.models import Inspection
from portsight.domain.inspection import ACTIVE_STATES

ACTIVE_STATE_CODES = tuple(sorted(s.value for s in ACTIVE_STATES))


def overdue_cutoff(now: datetime, overdue_minutes: int) -> datetime:
    """The newest opening time that is overdue at now (in UTC, as the timestamps are stored), counted from the
    start of now's minute: the board and the list are each worked out once a minute, whenever in it they are
    first asked for, and count the same inspections for the whole minute."""
    return as_utc(now).replace(second=0, microsecond=0) - timedelta(minutes=int(overdue_minutes))


def opened_too_long_ago(cutoff: datetime) -> ColumnElement[bool]:
    """Opened at or before the cutoff: overdue when the inspection is also in ACTIVE_STATES."""
    return Inspection.created_at <= as_utc(cutoff)


def is_overdue(cutoff: datetime) -> ColumnElement[bool]:
    """A WHERE clause: the inspection is overdue for the cutoff (overdue_cutoff)."""
    return and_(Inspection.state.in_(ACTIVE_STATE_CODES), opened_too_long_ago(cutoff))
