"""The non-conforming inspections of a period, as the repeated non-conformity check and its
back-test count them: an inspection with a finding or a non-conforming step, at its latest one in
the period, with its enterprise, port, origin and the HS headings of its declaration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, union_all
from sqlalchemy.orm import Session

from portsight.clock import as_utc
from portsight.db.models import Declaration, Enterprise, Finding, GoodsLine, Inspection, StepResult
from portsight.domain.repeats import NonConformity

# An enterprise's registered (Chinese) name and its English name, if it has one.
EnterpriseName = tuple[str, str | None]


def _non_conformities(window_start: datetime, now: datetime):
    """(inspection_id, at) of every non-conformity in the window: findings and non-conforming steps."""
    return union_all(
        select(Finding.inspection_id.label("inspection_id"), Finding.created_at.label("at")).where(
            Finding.created_at >= window_start, Finding.created_at <= now
        ),
        select(StepResult.inspection_id.label("inspection_id"), StepResult.recorded_at.label("at")).where(
            StepResult.outcome == "non_conforming",
            StepResult.recorded_at >= window_start,
            StepResult.recorded_at <= now,
        ),
    ).subquery("nc")


def non_conforming_inspections(
    session: Session | Connection, window_start: datetime, now: datetime
) -> tuple[list[NonConformity], dict[int, EnterpriseName]]:
    """The inspections with a non-conformity in the window (each at its latest one there), and
    the names of their enterprises."""
    nc = _non_conformities(window_start, now)
    per_inspection = (
        select(nc.c.inspection_id, func.max(nc.c.at).label("at")).group_by(nc.c.inspection_id).subquery("nci")
    )
    rows = session.execute(
        select(
            per_inspection.c.inspection_id,
            per_inspection.c.at,
            Declaration.enterprise_id,
            Enterprise.name,
            Enterprise.name_en,
            Inspection.port_id,
            Declaration.origin_country,
            func.substr(GoodsLine.hs_code, 1, 4),
        )
        .select_from(per_inspection)
        .join(Inspection, Inspection.id == per_inspection.c.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .outerjoin(GoodsLine, GoodsLine.declaration_id == Declaration.id)
        .order_by(per_inspection.c.inspection_id)
    ).all()
    heads: dict[int, tuple] = {}
    headings: dict[int, dict[str, None]] = {}
    names: dict[int, EnterpriseName] = {}
    for inspection_id, at, enterprise_id, name, name_en, port_id, origin, hs4 in rows:
        heads.setdefault(inspection_id, (as_utc(at), enterprise_id, port_id, origin))
        names[enterprise_id] = (name, name_en)
        if hs4 is not None:
            headings.setdefault(inspection_id, {})[hs4] = None
    found = [
        NonConformity(at, enterprise_id, port_id, origin, tuple(headings.get(inspection_id, ())))
        for inspection_id, (at, enterprise_id, port_id, origin) in heads.items()
    ]
    return found, names
