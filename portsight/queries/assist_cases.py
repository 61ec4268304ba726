"""Read side of expert cases: the cases like a step of an inspection (its hints), and the cases and
rule proposals an administrator reviews. What a case is: portsight.services.assist_cases."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc
from portsight.db.models import AssistCase, Declaration, Inspection, Port, User
from portsight.db.session import Database
from portsight.db.sql import in_scope, records

HINT_CASES = 3  # at most this many cases among a step's hints, the newest
REVIEW_LIMIT = 200


def _case_columns() -> Select:
    expert, proposer = aliased(User), aliased(User)
    return (
        select(
            AssistCase.id,
            AssistCase.session_id,
            AssistCase.inspection_id,
            AssistCase.port_id,
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            AssistCase.heading,
            AssistCase.step_key,
            AssistCase.rule_ids,
            AssistCase.question,
            AssistCase.answer,
            AssistCase.evidence_ids,
            expert.display_name.label("expert"),
            AssistCase.concluded_at,
            AssistCase.proposed_at,
            proposer.display_name.label("proposed_by"),
        )
        .join(Port, Port.id == AssistCase.port_id)
        .join(Inspection, Inspection.id == AssistCase.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(expert, expert.id == AssistCase.expert_id)
        .outerjoin(proposer, proposer.id == AssistCase.proposed_by_id)
    )


def _times(rows: list[dict]) -> list[dict]:
    for row in rows:
        for key in ("concluded_at", "proposed_at"):
            if row.get(key) is not None:
                row[key] = as_utc(row[key])
    return rows


def similar_cases(db: Database, headings: Iterable[str], step_key: str, *, other_than: int | None = None) -> list[dict]:
    """The newest cases (at most HINT_CASES) on one of these HS headings and this step, from every port:
    what an expert answered is knowledge for all. other_than leaves out an inspection's own cases."""
    wanted = sorted(set(headings))
    if not wanted:
        return []
    stmt = _case_columns().where(AssistCase.heading.in_(wanted), AssistCase.step_key == step_key)
    if other_than is not None:
        stmt = stmt.where(AssistCase.inspection_id != other_than)
    return _times(records(db, stmt.order_by(AssistCase.concluded_at.desc(), AssistCase.id.desc()).limit(HINT_CASES)))


def review_cases(db: Database, port_ids: Iterable[int] | None, *, proposed_only: bool = False) -> list[dict]:
    """Cases in scope, newest first, each with how many cases share its heading and step (recurrence);
    proposed_only: the rule proposals, newest proposal first."""
    same = aliased(AssistCase)
    recurrence = (
        select(func.count(same.id))
        .where(same.heading == AssistCase.heading, same.step_key == AssistCase.step_key)
        .where(in_scope(same.port_id, port_ids))
        .scalar_subquery()
    )
    stmt = _case_columns().add_columns(recurrence.label("recurrence")).where(in_scope(AssistCase.port_id, port_ids))
    if proposed_only:
        stmt = stmt.where(AssistCase.proposed_at.is_not(None)).order_by(
            AssistCase.proposed_at.desc(), AssistCase.id.desc()
        )
    else:
        stmt = stmt.order_by(AssistCase.concluded_at.desc(), AssistCase.id.desc())
    return _times(records(db, stmt.limit(REVIEW_LIMIT)))


def case_of_session(db: Database, session_id: int) -> dict | None:
    """The case a call's conclusion was kept as (id, heading, step_key), None when it left none."""
    stmt = select(AssistCase.id, AssistCase.heading, AssistCase.step_key).where(AssistCase.session_id == session_id)
    found = records(db, stmt)
    return found[0] if found else None
