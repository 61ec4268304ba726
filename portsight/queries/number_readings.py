"""Numbers read from photos: the photo a reading is made from, the latest reading of each step,
and how often the proposal was right.

"Right" is a proposal the inspector saved unchanged (outcome "confirmed"), out of the proposals
saved either way ("confirmed" and "corrected"); a reading that proposed nothing ("typed") has no
proposal to be right or wrong and is counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, func, select

from portsight.db.models import Evidence, Inspection, NumberReading
from portsight.db.session import Database
from portsight.db.sql import connection, records
from portsight.domain.stats import IsoWeek, ratio
from portsight.queries.weeks import in_week, scope_ports

KINDS = ("container_number", "seal_number")


def evidence_photo(db: Database, evidence_id: int) -> dict | None:
    """The stored file of a photo (sha256, media_type) and where it was taken (inspection, step)."""
    stmt = select(
        Evidence.id,
        Evidence.sha256,
        Evidence.media_type,
        Evidence.inspection_id,
        Evidence.step_key,
        Evidence.container_id,
    ).where(Evidence.id == evidence_id)
    rows = records(db, stmt)
    return rows[0] if rows else None


def latest_readings(db: Database, inspection_id: int) -> dict[tuple[str, int | None, str], dict]:
    """The latest reading of each (step key, container id, kind) of an inspection, with its photo's file."""
    stmt = (
        select(
            NumberReading.id,
            NumberReading.step_key,
            NumberReading.container_id,
            NumberReading.kind,
            NumberReading.proposed,
            NumberReading.read_text,
            NumberReading.confidence,
            NumberReading.box,
            NumberReading.confirmed,
            NumberReading.outcome,
            Evidence.sha256,
            Evidence.media_type,
        )
        .join(Evidence, Evidence.id == NumberReading.evidence_id, isouter=True)
        .where(NumberReading.inspection_id == inspection_id)
        .order_by(NumberReading.id)
    )
    latest: dict[tuple[str, int | None, str], dict] = {}
    for row in records(db, stmt):
        latest[(row["step_key"], row["container_id"], row["kind"])] = row
    return latest


def ocr_accuracy(db: Database, port_ids: Iterable[int] | None, week: IsoWeek) -> list[dict]:
    """Per kind, the readings saved in the week (each port's own week): proposals kept, corrected,
    nothing proposed, and the share of proposals kept (None without a proposal)."""
    ports = scope_ports(db, port_ids)
    stmt = (
        select(
            NumberReading.kind,
            func.sum(case((NumberReading.outcome == "confirmed", 1), else_=0)).label("confirmed"),
            func.sum(case((NumberReading.outcome == "corrected", 1), else_=0)).label("corrected"),
            func.sum(case((NumberReading.outcome == "typed", 1), else_=0)).label("typed"),
        )
        .join(Inspection, Inspection.id == NumberReading.inspection_id)
        .where(NumberReading.outcome.is_not(None), in_week(Inspection.port_id, NumberReading.confirmed_at, ports, week))
        .group_by(NumberReading.kind)
    )
    with connection(db) as conn:
        found = {row.kind: row for row in conn.execute(stmt)}
    figures = []
    for kind in KINDS:
        row = found.get(kind)
        confirmed, corrected, typed = (int(row.confirmed), int(row.corrected), int(row.typed)) if row else (0, 0, 0)
        figures.append(
            {
                "kind": kind,
                "confirmed": confirmed,
                "corrected": corrected,
                "typed": typed,
                "rate": ratio(confirmed, confirmed + corrected),
            }
        )
    return figures


__all__ = ["KINDS", "evidence_photo", "latest_readings", "ocr_accuracy"]
