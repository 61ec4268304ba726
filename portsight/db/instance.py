"""Settings of this installation kept in the database (table instance_settings)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import InstanceSetting
from portsight.db.session import Database
from portsight.db.sql import connection

DEMO = "demo"  # "true": seeded as the embedded demo, whose accounts share a published password


def mark_demo(session: Session, demo: bool = True) -> None:
    """Record (in the seeding transaction) whether this database is the embedded demo."""
    row = session.get(InstanceSetting, DEMO)
    if row is None:
        session.add(InstanceSetting(key=DEMO, value="true" if demo else "false", changed_at=utcnow()))
    else:
        row.value, row.changed_at = ("true" if demo else "false"), utcnow()


def is_demo(db: Database) -> bool:
    with connection(db) as conn:
        return conn.scalar(select(InstanceSetting.value).where(InstanceSetting.key == DEMO)) == "true"
