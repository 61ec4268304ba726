"""Read side of double random selection and the duty roster.

Port scope is a frozenset of port ids or None (every port). Times come back UTC-aware.
The published list (公开) carries no confidential detail: no declaration numbers, goods, values,
rule hits, seeds or inspector names; portsight.documents.published_list writes it as CSV and PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import and_, case, func, select, true

from portsight.catalogue import selection_policy
from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    DutyShift,
    Enterprise,
    Finding,
    Inspection,
    InspectorAssignment,
    Port,
    Selection,
    User,
    UserPort,
)
from portsight.db.session import Database
from portsight.db.sql import day_bounds, frame, in_scope, records
from portsight.db.staff import active_inspector_at
from portsight.domain.selection import CEILING, FLOOR, Outcome, SelectionPolicy, bound_report


def _utc(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for col in columns:
        if col in df and len(df):
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _tier():
    return Selection.inputs["tier"].as_string()


def pool_summary(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    """Today's pool per port: declarations received, drawn so far and by outcome, waiting to be drawn
    (not drawn and not already under an inspection opened by hand).

    Columns port, port_id, declarations, drawn, inspect, document_check, release, waiting.
    """
    start, end = day_bounds(now or utcnow())
    drawn = func.count(Selection.id)
    stmt = (
        select(
            Port.code.label("port"),
            Port.id.label("port_id"),
            func.count(Declaration.id).label("declarations"),
            drawn.label("drawn"),
            *[
                func.coalesce(func.sum(case((Selection.outcome == o.value, 1), else_=0)), 0).label(o.value)
                for o in Outcome
            ],
            func.coalesce(
                func.sum(
                    case(
                        (and_(Selection.id.is_(None), ~Declaration.id.in_(select(Inspection.declaration_id))), 1),
                        else_=0,
                    )
                ),
                0,
            ).label("waiting"),  # fmt: skip
        )
        .join(Port, Port.id == Declaration.port_id)
        .outerjoin(Selection, Selection.declaration_id == Declaration.id)
        .where(in_scope(Declaration.port_id, port_ids), Declaration.declared_at >= start, Declaration.declared_at < end)
        .group_by(Port.code, Port.id)
        .order_by(Port.code)
    )
    return frame(db, stmt)


def draws_today(
    db: Database, port_ids: Iterable[int] | None, now: datetime | None = None, limit: int = 200
) -> pd.DataFrame:
    """Today's draws, newest first: what was drawn and why (for supervisors; not for publication).

    Columns selection_id, drawn_at, port, declaration, enterprise, tier, outcome, rate, forced, reasons,
    seed, inspection_id.
    """
    start, end = day_bounds(now or utcnow())
    stmt = (
        select(
            Selection.id.label("selection_id"),
            Selection.drawn_at.label("drawn_at"),
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            Enterprise.name.label("enterprise"),
            _tier().label("tier"),
            Selection.outcome.label("outcome"),
            Selection.rate.label("rate"),
            Selection.inputs["forced"].as_boolean().label("forced"),
            Selection.reasons.label("reasons"),
            Selection.seed.label("seed"),
            Inspection.id.label("inspection_id"),
        )
        .join(Declaration, Declaration.id == Selection.declaration_id)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .outerjoin(Inspection, Inspection.selection_id == Selection.id)
        .where(in_scope(Declaration.port_id, port_ids), Selection.drawn_at >= start, Selection.drawn_at < end)
        .order_by(Selection.drawn_at.desc(), Selection.id.desc())
        .limit(limit)
    )
    df = _utc(frame(db, stmt), "drawn_at")
    if len(df):
        df["forced"] = df["forced"].fillna(False).astype(bool)
    return df


def undrawn_declarations(db: Database, port_ids: Iterable[int] | None, limit: int = 200) -> pd.DataFrame:
    """Declarations without a draw yet, oldest first. Columns declaration_id, port, declaration, enterprise,
    tier, declared_at."""
    stmt = (
        select(
            Declaration.id.label("declaration_id"),
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            Enterprise.name.label("enterprise"),
            Enterprise.credit_tier.label("tier"),
            Declaration.declared_at.label("declared_at"),
        )
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .outerjoin(Selection, Selection.declaration_id == Declaration.id)
        .where(in_scope(Declaration.port_id, port_ids), Selection.id.is_(None))
        .where(~Declaration.id.in_(select(Inspection.declaration_id)))
        .order_by(Declaration.declared_at, Declaration.id)
        .limit(limit)
    )
    return _utc(frame(db, stmt), "declared_at")


def dispatched_today(
    db: Database, port_ids: Iterable[int] | None, now: datetime | None = None, limit: int = 200
) -> pd.DataFrame:
    """Inspectors dispatched today by a recorded draw. Columns inspection_id, port, declaration, inspector,
    position, assigned_at, state."""
    start, end = day_bounds(now or utcnow())
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            User.display_name.label("inspector"),
            InspectorAssignment.position.label("position"),
            InspectorAssignment.assigned_at.label("assigned_at"),
            Inspection.state.label("state"),
        )
        .join(Inspection, Inspection.id == InspectorAssignment.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .join(User, User.id == InspectorAssignment.user_id)
        .where(
            in_scope(Inspection.port_id, port_ids),
            InspectorAssignment.draw_seed.is_not(None),
            InspectorAssignment.assigned_at >= start,
            InspectorAssignment.assigned_at < end,
        )
        .order_by(InspectorAssignment.assigned_at.desc(), Inspection.id.desc(), InspectorAssignment.id)
        .limit(limit)
    )
    return _utc(frame(db, stmt), "assigned_at")


def awaiting_dispatch(db: Database, port_ids: Iterable[int] | None, limit: int = 200) -> pd.DataFrame:
    """Inspections opened by a draw that nobody has been dispatched to. Columns inspection_id, port,
    declaration, enterprise, priority, created_at."""
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            Enterprise.name.label("enterprise"),
            Inspection.priority.label("priority"),
            Inspection.created_at.label("created_at"),
        )
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .join(Port, Port.id == Inspection.port_id)
        .where(in_scope(Inspection.port_id, port_ids), Inspection.state == "pending")
        .order_by(Inspection.priority.desc(), Inspection.created_at, Inspection.id)
        .limit(limit)
    )
    return _utc(frame(db, stmt), "created_at")


def realised_rates(
    db: Database,
    port_ids: Iterable[int] | None,
    start: datetime,
    end: datetime,
    policy: SelectionPolicy | None = None,
) -> pd.DataFrame:
    """Realised physical-inspection rate by credit tier (the tier recorded with each draw) against its
    target and its legal bound, in the window [start, end).

    policy: the targets and bounds to compare with (default: those in force on the window's last
    local day, portsight.catalogue.selection_policy). Every tier of the policy appears, with n = 0
    when it had no draws, then any other tier that was drawn in the window. A ceiling is a share of
    the base tier's realised rate in the same window and scope. Columns tier, n, inspected, forced,
    realised (NaN when n = 0), target, bound_op (<, <=, >=, >; None without a bound), limit (the
    bound's rate; NaN when unknown), inside (True / False; None when there is no bound or no rate).
    """
    if policy is None:
        last_day = (as_utc(end) - timedelta(microseconds=1)).astimezone(ZoneInfo(LOCAL_TZ)).date()
        policy = selection_policy(last_day)
    tier = _tier().label("tier")
    stmt = (
        select(
            tier,
            func.count(Selection.id).label("n"),
            func.coalesce(func.sum(case((Selection.outcome == Outcome.INSPECT.value, 1), else_=0)), 0).label(
                "inspected"
            ),
            func.coalesce(func.sum(case((Selection.inputs["forced"].as_boolean(), 1), else_=0)), 0).label("forced"),
        )
        .join(Declaration, Declaration.id == Selection.declaration_id)
        .where(in_scope(Declaration.port_id, port_ids), Selection.drawn_at >= start, Selection.drawn_at < end)
        .group_by(tier)
    )
    got = {row["tier"]: row for row in frame(db, stmt).to_dict("records")}
    tiers = [*policy.tiers, *sorted(t for t in got if t not in policy.targets)]
    counts = {t: got.get(t, {"n": 0, "inspected": 0, "forced": 0}) for t in tiers}
    realised = {t: int(c["inspected"]) / int(c["n"]) if int(c["n"]) else None for t, c in counts.items()}
    report = bound_report(policy, realised)
    rows = []
    for t in tiers:
        bound = report.get(t, {}).get("bound")
        rows.append(
            {
                "tier": t,
                "n": int(counts[t]["n"]),
                "inspected": int(counts[t]["inspected"]),
                "forced": int(counts[t]["forced"]),
                "realised": realised[t],
                "target": policy.target(t),
                "bound_op": None if bound is None else _BOUND_OPS[(bound.kind, bound.strict)],
                "limit": report.get(t, {}).get("limit"),
                "inside": report.get(t, {}).get("inside"),
            }
        )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


RATE_COLUMNS = ["tier", "n", "inspected", "forced", "realised", "target", "bound_op", "limit", "inside"]
_BOUND_OPS = {(CEILING, True): "<", (CEILING, False): "<=", (FLOOR, True): ">", (FLOOR, False): ">="}


# --------------------------------------------------------------------------- published list (公开)
PUBLISHED_COLUMNS = ["date", "port", "enterprise", "uscc", "check", "result"]


def published_list(
    db: Database, port_ids: Iterable[int] | None, start: datetime, end: datetime, tz: str = LOCAL_TZ
) -> pd.DataFrame:
    """Which enterprises were checked (physical or document check) in the period and the outcome.

    Columns date (local), port, enterprise, uscc, check (inspect / document_check), result
    (in_progress / no_problem_found / problem_found / documents_checked). Nothing confidential.
    """
    findings = select(func.count(Finding.id)).where(Finding.inspection_id == Inspection.id).scalar_subquery()
    stmt = (
        select(
            Selection.drawn_at.label("drawn_at"),
            Port.code.label("port"),
            Enterprise.name.label("enterprise"),
            Enterprise.uscc.label("uscc"),
            Selection.outcome.label("check"),
            Inspection.decided_at.label("decided_at"),
            findings.label("findings"),
        )
        .join(Declaration, Declaration.id == Selection.declaration_id)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .outerjoin(Inspection, and_(Inspection.selection_id == Selection.id))
        .where(
            in_scope(Declaration.port_id, port_ids),
            Selection.drawn_at >= start,
            Selection.drawn_at < end,
            Selection.outcome.in_([Outcome.INSPECT.value, Outcome.DOCUMENT_CHECK.value]),
        )
        .order_by(Selection.drawn_at, Port.code, Enterprise.name)
    )
    df = _utc(frame(db, stmt), "drawn_at")
    if not len(df):
        return pd.DataFrame(columns=PUBLISHED_COLUMNS)
    zone = ZoneInfo(tz)

    def result(row) -> str:
        if row["check"] == Outcome.DOCUMENT_CHECK.value:
            return "documents_checked"
        if pd.isna(row["decided_at"]):
            return "in_progress"
        return "problem_found" if (row["findings"] or 0) > 0 else "no_problem_found"

    df["date"] = df["drawn_at"].map(lambda v: v.astimezone(zone).date())
    df["result"] = df.apply(result, axis=1)
    return df[PUBLISHED_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- roster
def port_inspectors(db: Database, port_id: int) -> pd.DataFrame:
    """Active inspectors who work at the port. Columns user_id, username, display_name."""
    stmt = (
        select(User.id.label("user_id"), User.username.label("username"), User.display_name.label("display_name"))
        .where(active_inspector_at(port_id))
        .order_by(User.display_name)
    )
    return frame(db, stmt)


def roster(db: Database, port_ids: Iterable[int] | None, start: datetime, end: datetime) -> pd.DataFrame:
    """Shifts that overlap [start, end). Columns shift_id, port, port_id, user_id, inspector, starts_at, ends_at."""
    stmt = (
        select(
            DutyShift.id.label("shift_id"),
            Port.code.label("port"),
            Port.id.label("port_id"),
            User.id.label("user_id"),
            User.display_name.label("inspector"),
            DutyShift.starts_at.label("starts_at"),
            DutyShift.ends_at.label("ends_at"),
        )
        .join(Port, Port.id == DutyShift.port_id)
        .join(User, User.id == DutyShift.user_id)
        .where(in_scope(DutyShift.port_id, port_ids), DutyShift.starts_at < end, DutyShift.ends_at > start)
        .order_by(DutyShift.starts_at, Port.code, User.display_name)
    )
    return _utc(frame(db, stmt), "starts_at", "ends_at")


def on_duty_now(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    now = now or utcnow()
    return roster(db, port_ids, now, now + pd.Timedelta(microseconds=1))


def conflicts(db: Database, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Declared conflicts of inspectors who work in the scope. Columns conflict_id, inspector, enterprise,
    reason, declared_at."""
    users_in_scope = select(UserPort.user_id).where(in_scope(UserPort.port_id, port_ids))
    stmt = (
        select(
            ConflictOfInterest.id.label("conflict_id"),
            User.display_name.label("inspector"),
            Enterprise.name.label("enterprise"),
            ConflictOfInterest.reason.label("reason"),
            ConflictOfInterest.declared_at.label("declared_at"),
        )
        .join(User, User.id == ConflictOfInterest.user_id)
        .join(Enterprise, Enterprise.id == ConflictOfInterest.enterprise_id)
        .where(true() if port_ids is None else (User.all_ports.is_(True)) | User.id.in_(users_in_scope))
        .order_by(ConflictOfInterest.declared_at.desc())
        .limit(500)
    )
    return _utc(frame(db, stmt), "declared_at")


def find_enterprises(db: Database, text: str, limit: int = 20) -> list[dict]:
    """Enterprises whose name or credit code contains text: [{'id', 'name', 'uscc'}]."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = f"%{text}%"
    stmt = (
        select(Enterprise.id, Enterprise.name, Enterprise.uscc)
        .where(Enterprise.name.ilike(pattern) | Enterprise.uscc.ilike(pattern))
        .order_by(Enterprise.name)
        .limit(limit)
    )
    return records(db, stmt)
