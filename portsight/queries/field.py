"""Read side of field inspection: my tasks, the checklist of one inspection and its state, hints from history.

The checklist is made by the rules (portsight.domain.checklist / rules) from the declaration's
facts; a per-container step is one *slot* per container it covers ("seal@CSQU3054383"), a
step without containers is one slot ("goods"). The services in portsight.services.field judge
and save a slot at a time; `checklist_state` says which slots are done, their photos, and where
to resume.

Hints are a few grouped queries (counts in the database, a handful of rows back), cheap enough
for a phone page to ask on every open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, exists, false, func, or_, select

from portsight.clock import as_utc, utcnow
from portsight.db.checklists import load_checklist, slot_progress
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    GoodsLine,
    Inspection,
    InspectorAssignment,
    Port,
    ReleaseHold,
    ReleaseReceipt,
    StepResult,
    User,
)
from portsight.db.release import inspection_decisions
from portsight.db.session import Database
from portsight.db.sql import connection, frame, in_scope, port_in_scope, records
from portsight.db.staff import active_inspector_at
from portsight.domain.checklist import missing_work, next_open_slot
from portsight.domain.inspection import AWAITING_RESULT_STATES
from portsight.queries.assist_cases import similar_cases

# The inspector's own work, and the inspections waiting for a result the inspector records.
TASK_STATES = ("assigned", "in_progress", "completed", *sorted(s.value for s in AWAITING_RESULT_STATES))
HINT_WINDOW_DAYS = 365


def checklist_state(db: Database, inspection_id: int, port_ids: Iterable[int] | None = None) -> dict | None:
    """Everything the checklist page shows for one inspection (None when absent or out of scope)."""
    checklist = load_checklist(db, inspection_id)
    if checklist is None or not port_in_scope(checklist.port_id, port_ids):
        return None
    progress = slot_progress(db, checklist)
    resume = checklist.current_step if checklist.slot(checklist.current_step or "") else None
    return {
        "checklist": checklist,
        "progress": progress,
        "resume": resume
        or next_open_slot(checklist, progress)
        or (checklist.slots[-1].id if checklist.slots else None),
        "missing": missing_work(checklist, progress),
        "done": sum(1 for p in progress.values() if p["outcome"] is not None),
        "total": len(checklist.slots),
    }


def decision_state(db: Database, inspection_id: int, port_ids: Iterable[int] | None = None) -> dict | None:
    """What the decision control shows (None when absent or out of scope): `options` (the decisions
    open, the release blockers, the rules calling for a decision), `rules` ({rule id: (title,
    citation)} of those rules) and `holds` (treatments, samples and identifications ordered, oldest
    first, each a dict)."""
    found = inspection_decisions(db, inspection_id)
    if found is None or not port_in_scope(found[0].port_id, port_ids):
        return None
    checklist, options = found
    catalogue = checklist.catalogue
    ids = {rid for rule_ids in options.suggested.values() for rid in rule_ids}
    rules = {rid: (catalogue.get(rid).title, catalogue.get(rid).basis.citation()) for rid in ids if rid in catalogue}
    stmt = (
        select(
            ReleaseHold.id,
            ReleaseHold.kind,
            ReleaseHold.what,
            ReleaseHold.rule_ids,
            ReleaseHold.ordered_at,
            ReleaseHold.result,
            ReleaseHold.result_note,
            ReleaseHold.result_at,
        )
        .where(ReleaseHold.inspection_id == inspection_id)
        .order_by(ReleaseHold.id)
    )
    return {"state": checklist.state, "options": options, "rules": rules, "holds": records(db, stmt)}


# --------------------------------------------------------------------------- lists for the page


def my_tasks(db: Database, user_id: int, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    """Inspections assigned to me at my ports, not yet decided: highest priority, then longest waiting, first."""
    now = now or utcnow()
    lines = (
        select(
            GoodsLine.declaration_id,
            func.count(GoodsLine.id).label("goods_lines"),
            func.min(GoodsLine.hs_code).label("hs_code"),
            func.min(GoodsLine.description).label("goods"),
        )
        .group_by(GoodsLine.declaration_id)
        .subquery("lines")
    )
    boxes = (
        select(Container.declaration_id, func.count(Container.id).label("containers"))
        .group_by(Container.declaration_id)
        .subquery("boxes")
    )
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            Inspection.state,
            Inspection.priority,
            Inspection.created_at,
            Inspection.current_step,
            InspectorAssignment.position,
            Enterprise.name.label("enterprise"),
            Enterprise.credit_tier,
            Declaration.origin_country.label("origin"),
            lines.c.hs_code,
            lines.c.goods,
            func.coalesce(lines.c.goods_lines, 0).label("goods_lines"),
            func.coalesce(boxes.c.containers, 0).label("containers"),
        )
        .join(InspectorAssignment, InspectorAssignment.inspection_id == Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .join(Port, Port.id == Inspection.port_id)
        .outerjoin(lines, lines.c.declaration_id == Declaration.id)
        .outerjoin(boxes, boxes.c.declaration_id == Declaration.id)
        .where(InspectorAssignment.user_id == user_id)
        .where(Inspection.state.in_(TASK_STATES))
        .where(in_scope(Inspection.port_id, port_ids))
        .order_by(Inspection.priority.desc(), Inspection.created_at, Inspection.id)
        .limit(100)
    )
    df = frame(db, stmt)
    df["waiting_minutes"] = (
        df["created_at"].map(lambda v: round((now - as_utc(v)).total_seconds() / 60.0))
        if len(df)
        else pd.Series(dtype=float)
    )
    return df


def findings_of(db: Database, inspection_id: int) -> pd.DataFrame:
    """The inspection's findings, newest last, with the container number when there is one."""
    stmt = (
        select(
            Finding.id,
            Finding.step_key,
            Container.number.label("container"),
            Finding.rule_id,
            Finding.severity,
            Finding.description,
            Finding.citation,
            Finding.created_at,
        )
        .outerjoin(Container, Container.id == Finding.container_id)
        .where(Finding.inspection_id == inspection_id)
        .order_by(Finding.id)
    )
    return frame(db, stmt)


def gallery(db: Database, inspection_id: int) -> pd.DataFrame:
    """Photos of the inspection sorted by step, then container, then time ("photo classification")."""
    stmt = (
        select(
            Evidence.id,
            Evidence.step_key,
            Container.number.label("container"),
            Evidence.sha256,
            Evidence.media_type,
            Evidence.source,
            Evidence.taken_at,
            User.display_name.label("taken_by"),
            Evidence.lat,
            Evidence.lon,
        )
        .outerjoin(Container, Container.id == Evidence.container_id)
        .outerjoin(User, User.id == Evidence.taken_by_id)
        .where(Evidence.inspection_id == inspection_id)
        .order_by(Evidence.step_key, Container.number, Evidence.taken_at, Evidence.id)
    )
    return frame(db, stmt)


def receipt_of(db: Database, inspection_id: int) -> dict | None:
    with connection(db) as conn:
        row = conn.execute(
            select(ReleaseReceipt.receipt_no, ReleaseReceipt.issued_at, ReleaseReceipt.used_at).where(
                ReleaseReceipt.inspection_id == inspection_id
            )
        ).one_or_none()
    return None if row is None else dict(row._mapping)


def second_inspector_options(db: Database, inspection_id: int, me: int) -> list[dict]:
    """Active inspectors who may be recorded as the second inspector: the assigned second first, then
    the others at the inspection's port (not me)."""
    with connection(db) as conn:
        port_id = conn.scalar(select(Inspection.port_id).where(Inspection.id == inspection_id))
        if port_id is None:
            return []
        assigned = exists().where(
            InspectorAssignment.inspection_id == inspection_id, InspectorAssignment.user_id == User.id
        )
        stmt = (
            select(User.id, User.display_name, User.username, case((assigned, 0), else_=1).label("rank"))
            .where(active_inspector_at(port_id), User.id != me)
            .order_by("rank", User.display_name)
            .limit(50)
        )
        return records(conn, stmt)


# --------------------------------------------------------------------------- hints from history


def _heading(code: str) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())[:4]


def _nc_inspection():
    """Whether the inspection had a non-conformity: a finding or a non-conforming step."""
    return or_(
        exists().where(Finding.inspection_id == Inspection.id),
        exists().where(StepResult.inspection_id == Inspection.id, StepResult.outcome == "non_conforming"),
    )


def step_cases(db: Database, inspection_id: int, step_key: str) -> list[dict]:
    """The hints of one step: what experts answered on this step at earlier inspections of goods of
    the same HS headings (portsight.queries.assist_cases.similar_cases), newest first."""
    with connection(db) as conn:
        codes = conn.scalars(
            select(GoodsLine.hs_code)
            .join(Inspection, Inspection.declaration_id == GoodsLine.declaration_id)
            .where(Inspection.id == inspection_id)
        )
        headings = {_heading(code) for code in codes} - {""}
        return similar_cases(conn, headings, step_key, other_than=inspection_id)


def hints(db: Database, inspection_id: int, now: datetime | None = None) -> dict | None:
    """What history says about this inspection, for the inspector at the container.

    - enterprise: name, credit tier, findings in the last 12 months (count and the latest five);
    - rates: per HS heading of the goods, with this origin: completed inspections in the last 12
      months (other than this one) and how many had a non-conformity;
    - common: the findings most often recorded on goods of these headings, and at which step;
    - repeat: earlier findings on an inspection that had this container number or declared seal.
    """
    now = now or utcnow()
    since = now - timedelta(days=HINT_WINDOW_DAYS)
    with connection(db) as conn:
        head = conn.execute(
            select(Declaration.id, Declaration.origin_country, Enterprise.id, Enterprise.name, Enterprise.credit_tier)
            .join(Inspection, Inspection.declaration_id == Declaration.id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .where(Inspection.id == inspection_id)
        ).one_or_none()
        if head is None:
            return None
        declaration_id, origin, enterprise_id, enterprise_name, tier = head
        headings = sorted(
            {
                _heading(h)
                for h in conn.scalars(select(GoodsLine.hs_code).where(GoodsLine.declaration_id == declaration_id))
            }
            - {""}
        )
        boxes = conn.execute(
            select(Container.number, Container.declared_seal).where(Container.declaration_id == declaration_id)
        ).all()
        numbers = sorted({b.number for b in boxes})
        seals = sorted({b.declared_seal for b in boxes if b.declared_seal})

        # The enterprise: count and latest findings in the window.
        ent_where = and_(
            Declaration.enterprise_id == enterprise_id,
            Finding.created_at >= since,
            Finding.inspection_id != inspection_id,
        )
        ent_from = (
            select(func.count(Finding.id))
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(ent_where)
        )
        ent_count = int(conn.scalar(ent_from) or 0)
        ent_latest = records(
            conn,
            select(
                Finding.created_at,
                Declaration.number.label("declaration"),
                Finding.step_key,
                Finding.severity,
                Finding.description,
            )
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(ent_where)
            .order_by(Finding.created_at.desc(), Finding.id.desc())
            .limit(5),
        )

        # Non-conformity rate per heading with this origin.
        rates = []
        for heading in headings:
            has_heading = exists().where(
                GoodsLine.declaration_id == Declaration.id, func.substr(GoodsLine.hs_code, 1, 4) == heading
            )
            row = conn.execute(
                select(
                    func.count(Inspection.id).label("inspections"),
                    func.coalesce(func.sum(case((_nc_inspection(), 1), else_=0)), 0).label("non_conforming"),
                )
                .join(Declaration, Declaration.id == Inspection.declaration_id)
                .where(
                    Declaration.origin_country == origin,
                    has_heading,
                    Inspection.completed_at.is_not(None),
                    Inspection.completed_at >= since,
                    Inspection.id != inspection_id,
                )
            ).one()
            n, bad = int(row.inspections), int(row.non_conforming)
            rates.append(
                {
                    "heading": heading,
                    "origin": origin,
                    "inspections": n,
                    "non_conforming": bad,
                    "rate": (bad / n) if n else None,
                }
            )

        # Findings most often recorded on goods of these headings (any origin), by step.
        common: list[dict] = []
        if headings:
            similar = exists().where(
                GoodsLine.declaration_id == Inspection.declaration_id,
                func.substr(GoodsLine.hs_code, 1, 4).in_(headings),
            )
            common = records(
                conn,
                select(
                    Finding.step_key,
                    Finding.description,
                    func.count(Finding.id).label("count"),
                )
                .join(Inspection, Inspection.id == Finding.inspection_id)
                .where(similar, Finding.created_at >= since, Finding.inspection_id != inspection_id)
                .group_by(Finding.step_key, Finding.description)
                .order_by(func.count(Finding.id).desc(), Finding.step_key)
                .limit(5),
            )

        # This container or seal in an earlier finding.
        repeat: list[dict] = []
        if numbers or seals:
            match = or_(
                Container.number.in_(numbers) if numbers else false(),
                Container.declared_seal.in_(seals) if seals else false(),
            )
            repeat = records(
                conn,
                select(
                    Finding.created_at,
                    Declaration.number.label("declaration"),
                    Container.number.label("container"),
                    Container.declared_seal.label("seal"),
                    Finding.step_key,
                    Finding.severity,
                    Finding.description,
                )
                .join(Inspection, Inspection.id == Finding.inspection_id)
                .join(Declaration, Declaration.id == Inspection.declaration_id)
                .join(Container, Container.declaration_id == Declaration.id)
                .where(match, Finding.inspection_id != inspection_id)
                .where(or_(Finding.container_id.is_(None), Finding.container_id == Container.id))
                .order_by(Finding.created_at.desc(), Finding.id.desc())
                .limit(5),
            )
    return {
        "enterprise": {
            "id": enterprise_id,
            "name": enterprise_name,
            "credit_tier": tier,
            "findings_12m": ent_count,
            "latest": ent_latest,
        },
        "rates": rates,
        "common": common,
        "repeat": repeat,
        "since": since.astimezone(UTC),
    }
