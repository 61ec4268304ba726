"""Rows a use case locks before it decides on them, so two writers cannot both act on what they read.

On PostgreSQL the row is read with SELECT ... FOR UPDATE; SQLite ignores the clause, and its
unit of work already holds the database's write lock (BEGIN IMMEDIATE, see portsight.db.session).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.db.models import Inspection
from portsight.errors import NotFound


def lock_inspection(session: Session, inspection_id: int) -> Inspection:
    """The inspection, locked until the unit of work ends; NotFound when there is none."""
    inspection = session.execute(
        select(Inspection).where(Inspection.id == inspection_id).with_for_update(of=Inspection)
    ).scalar_one_or_none()
    if inspection is None:
        raise NotFound(
            f"Inspection {inspection_id} does not exist.",
            key="errors.inspection_not_found",
            params={"id": inspection_id},
        )
    return inspection
