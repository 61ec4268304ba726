"""Read side of the data exchange page: past imports (aggregated per file in SQL) and the export cursor."""

from __future__ import annotations

from sqlalchemy import func, select

from portsight.clock import as_utc
from portsight.db.models import ImportBatch
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role


def past_imports(db: Database, actor: Actor, limit: int = 50) -> list[dict]:
    """The most recent imported files, newest first: one row per file (SHA-256) with its counts."""
    require_role(actor, Role.ADMIN)
    last = func.max(ImportBatch.imported_at)
    stmt = (
        select(
            ImportBatch.file_sha256,
            func.max(ImportBatch.file_name).label("file_name"),
            func.min(ImportBatch.imported_at).label("first_at"),
            last.label("last_at"),
            func.max(ImportBatch.imported_by).label("imported_by"),
            func.count().label("batches"),
            func.sum(ImportBatch.rows_accepted).label("accepted"),
            func.sum(ImportBatch.rows_updated).label("updated"),
            func.sum(ImportBatch.rows_unchanged).label("unchanged"),
            func.sum(ImportBatch.rows_rejected).label("rejected"),
        )
        .group_by(ImportBatch.file_sha256)
        .order_by(last.desc())
        .limit(limit)
    )
    with unit_of_work(db) as session:
        rows = session.execute(stmt).mappings().all()
    return [{**row, "first_at": as_utc(row["first_at"]), "last_at": as_utc(row["last_at"])} for row in rows]
