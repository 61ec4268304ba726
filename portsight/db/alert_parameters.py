"""The alert thresholds in force at a moment: per parameter the newest value effective by then
(alert_parameters rows), else its default (portsight.domain.alert_parameters; the service time's
default is the deployment's PORTSIGHT_OVERDUE_MINUTES)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from portsight.clock import as_utc
from portsight.config import Settings, load_settings
from portsight.db.models import AlertParameter
from portsight.domain.alert_parameters import AlertCheckLimits, defaults, limits_from


def values_in_force(session: Session | Connection, now: datetime, settings: Settings | None = None) -> dict[str, int]:
    """{parameter: value in force at now}."""
    newest = (
        select(AlertParameter.name, func.max(AlertParameter.effective_from).label("effective_from"))
        .where(AlertParameter.effective_from <= as_utc(now))
        .group_by(AlertParameter.name)
        .subquery()
    )
    rows = session.execute(
        select(AlertParameter.name, AlertParameter.value)
        .join(
            newest,
            (newest.c.name == AlertParameter.name) & (newest.c.effective_from == AlertParameter.effective_from),
        )
        .order_by(AlertParameter.id)
    ).all()
    values = defaults((settings or load_settings()).overdue_minutes)
    for name, value in rows:  # two changes effective at the same instant: the later one stands
        if name in values:
            values[name] = int(value)
    return values


def limits_in_force(session: Session, now: datetime, settings: Settings | None = None) -> AlertCheckLimits:
    """The limits the checks run with at now."""
    return limits_from(values_in_force(session, now, settings))
