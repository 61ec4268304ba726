"""What the expert sees beside the video: the inspection behind a call, in one read.

The declaration (number, enterprise, goods lines, containers), the step the request names with
what the inspector has saved on it so far, the inspection's photos, the hints (history and the
cases of the step), the step's rules with their citations, and the proposals made in the call.
A call outside the reader's ports reads as absent.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc
from portsight.db.checklists import load_checklist, slot_progress
from portsight.db.models import AssistProposal, AssistSession, Container, Evidence, User
from portsight.db.session import Database
from portsight.db.sql import connection, in_scope, records
from portsight.domain.proposals import asked_slot
from portsight.queries.field import hints, step_cases


def open_call_on(db: Database, inspection_id: int, user_id: int) -> dict | None:
    """The inspector's waiting or active request on this inspection (id, state, step_key), the newest."""
    stmt = (
        select(AssistSession.id, AssistSession.state, AssistSession.step_key)
        .where(
            AssistSession.inspection_id == inspection_id,
            AssistSession.requested_by_id == user_id,
            AssistSession.state.in_(("waiting", "active")),
        )
        .order_by(AssistSession.id.desc())
        .limit(1)
    )
    with connection(db) as conn:
        row = conn.execute(stmt).one_or_none()
        return None if row is None else dict(row._mapping)


def proposals_of(db: Database, session_id: int, *, pending_only: bool = False) -> list[dict]:
    """The proposals of a call, oldest first: id, step_key, container, field, value, outcome, note, state."""
    expert = aliased(User)
    stmt = (
        select(
            AssistProposal.id,
            AssistProposal.step_key,
            AssistProposal.container_id,
            Container.number.label("container"),
            AssistProposal.field,
            AssistProposal.value,
            AssistProposal.outcome,
            AssistProposal.note,
            AssistProposal.state,
            AssistProposal.proposed_at,
            expert.display_name.label("proposed_by"),
        )
        .outerjoin(Container, Container.id == AssistProposal.container_id)
        .join(expert, expert.id == AssistProposal.proposed_by_id)
        .where(AssistProposal.session_id == session_id)
        .order_by(AssistProposal.id)
    )
    if pending_only:
        stmt = stmt.where(AssistProposal.state == "proposed")
    return records(db, stmt)


def call_context(db: Database, session_id: int, port_ids: Iterable[int] | None) -> dict | None:
    """The inspection behind call session_id for someone at port_ids (None: no such call in scope).

    Keys: session (id, state, question, step_key), declaration (number, enterprise, credit_tier,
    origin_country, port_code), goods (lines), containers (number, size_type, declared_seal),
    slot (None when the request names no step of the checklist; else id, step_key, title,
    container, photos_what, photos_required, inputs [name, title, type, unit, choices, value],
    outcome, note), photos (id, step_key, container, sha256, media_type, source, taken_by,
    this_step), hints (portsight.queries.field.hints), cases (of the step), rules (id, title,
    citation) and proposals.
    """
    with connection(db) as conn:
        head = conn.execute(
            select(
                AssistSession.id,
                AssistSession.state,
                AssistSession.question,
                AssistSession.step_key,
                AssistSession.inspection_id,
            )
            .where(AssistSession.id == session_id)
            .where(in_scope(AssistSession.port_id, port_ids))
        ).one_or_none()
        if head is None:
            return None
        checklist = load_checklist(conn, head.inspection_id)
        if checklist is None:
            return None
        slot = asked_slot(checklist, head.step_key)
        photos = records(
            conn,
            select(
                Evidence.id,
                Evidence.step_key,
                Evidence.container_id,
                Container.number.label("container"),
                Evidence.sha256,
                Evidence.media_type,
                Evidence.source,
                Evidence.taken_at,
                User.display_name.label("taken_by"),
            )
            .outerjoin(Container, Container.id == Evidence.container_id)
            .outerjoin(User, User.id == Evidence.taken_by_id)
            .where(Evidence.inspection_id == head.inspection_id)
            .order_by(Evidence.id),
        )
        for photo in photos:
            photo["taken_at"] = as_utc(photo["taken_at"])
            photo["this_step"] = slot is not None and (
                photo["step_key"] == slot.step.key and photo["container_id"] == slot.container_id
            )
        step = None
        rules: list[dict] = []
        cases: list[dict] = []
        if slot is not None:
            saved = slot_progress(conn, checklist)[slot.id]
            step = {
                "id": slot.id,
                "step_key": slot.step.key,
                "title": slot.step.title,
                "container": slot.container_number,
                "photos_what": slot.step.photos.what,
                "photos_required": slot.photos_required,
                "photos_taken": saved["photos"],
                "inputs": [
                    {
                        "name": spec.name,
                        "title": spec.title,
                        "type": spec.type,
                        "unit": spec.unit,
                        "choices": spec.choices,
                        "value": saved["values"].get(spec.name),
                    }
                    for spec in slot.step.inputs
                ],
                "outcome": saved["outcome"],
                "note": saved["note"],
            }
            catalogue = checklist.catalogue
            rules = [
                {"id": rid, "title": catalogue.get(rid).title, "citation": catalogue.get(rid).basis.citation()}
                for rid in slot.step.rule_ids
                if rid in catalogue
            ]
            cases = step_cases(conn, head.inspection_id, slot.step.key)
        decl = checklist.declaration
        return {
            "session": dict(head._mapping),
            "declaration": {
                "number": decl["number"],
                "enterprise": decl["enterprise"],
                "credit_tier": decl["credit_tier"],
                "origin_country": decl["origin_country"],
                "port_code": decl["port_code"],
                "direction": decl["direction"],
            },
            "goods": checklist.goods,
            "containers": [
                {"number": number, "size_type": box["size_type"], "declared_seal": box["declared_seal"]}
                for number, box in checklist.containers.items()
            ],
            "slot": step,
            "photos": photos,
            "hints": hints(conn, head.inspection_id),
            "cases": cases,
            "rules": rules,
            "proposals": proposals_of(conn, session_id),
        }
