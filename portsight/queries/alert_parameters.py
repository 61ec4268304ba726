"""The alert thresholds as the administrator's page shows them: the values in force, the changes
planned for later, and each parameter's history (who, when, from when, why)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select

from portsight.clock import as_utc
from portsight.config import Settings
from portsight.db.alert_parameters import values_in_force
from portsight.db.models import AlertParameter, User
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain.access import Actor, Role, require_role

HISTORY_COLUMNS = ["name", "value", "effective_from", "changed_at", "changed_by", "reason"]


def parameters_in_force(db: Database, actor: Actor, now: datetime, settings: Settings | None = None) -> dict[str, int]:
    """{parameter: value in force at now}."""
    require_role(actor, Role.ADMIN)
    with connection(db) as conn:
        return values_in_force(conn, now, settings)


def overdue_minutes_in_force(db: Database, now: datetime, settings: Settings | None = None) -> int:
    """The service time after which an open inspection is overdue at now: the board counts with the
    same value the overdue check raises alerts with."""
    with connection(db) as conn:
        return values_in_force(conn, now, settings)["overdue_minutes"]


def parameter_history(db: Database, actor: Actor) -> pd.DataFrame:
    """Every value ever set, newest effective first: HISTORY_COLUMNS (changed_by: the username)."""
    require_role(actor, Role.ADMIN)
    with connection(db) as conn:
        rows = conn.execute(
            select(
                AlertParameter.name,
                AlertParameter.value,
                AlertParameter.effective_from,
                AlertParameter.changed_at,
                User.username,
                AlertParameter.reason,
            )
            .outerjoin(User, User.id == AlertParameter.changed_by_id)
            .order_by(AlertParameter.effective_from.desc(), AlertParameter.id.desc())
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
    for column in ("effective_from", "changed_at"):
        frame[column] = [as_utc(v) for v in frame[column]]
    return frame
