"""An expert's conclusion becomes a case, shown among the hints of a later inspection of the same
goods heading and step; an administrator proposes a rule from it. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from itertools import count

import pytest
from PIL import Image
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.checklists import load_checklist
from portsight.db.models import (
    AssistCase,
    AuditEntry,
    Container,
    Declaration,
    Enterprise,
    GoodsLine,
    Inspection,
    InspectorAssignment,
    Port,
    User,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied, Actor, Role
from portsight.errors import Conflict, NotFound
from portsight.queries import assist_cases as case_queries
from portsight.queries import field as field_queries
from portsight.services import assist, assist_cases

_ids = count(1)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def _port(session) -> Port:
    code = f"C{next(_ids):04d}"
    port = Port(code=code, name_en=code, name_zh=code, kind="sea")
    session.add(port)
    session.flush()
    return port


def _user(session, role: str, port: Port | None) -> Actor:
    n = next(_ids)
    user = User(
        username=f"case-{role}{n}",
        display_name=f"Case {role.title()} {n}",
        role=role,
        password_hash="x",
        all_ports=port is None,
        ports=[port] if port else [],
    )
    session.add(user)
    session.flush()
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(role),
        port_ids=None if port is None else frozenset({port.id}),
    )


def _inspection(session, port: Port, inspector: Actor, hs_codes: tuple[str, ...]) -> tuple[int, str]:
    """An inspection in progress of one container of goods of these HS codes: its id and the seal slot."""
    n = next(_ids)
    ent = Enterprise(uscc=f"92{n:016d}", name=f"Case Ent {n}", credit_tier="general")
    session.add(ent)
    session.flush()
    decl = Declaration(
        number=f"K{n:010d}",
        port_id=port.id,
        enterprise_id=ent.id,
        direction="import",
        transport_mode="sea",
        origin_country="DE",
        declared_at=utcnow(),
    )
    session.add(decl)
    session.flush()
    for line_no, code in enumerate(hs_codes, start=1):
        session.add(
            GoodsLine(
                declaration_id=decl.id,
                line_no=line_no,
                hs_code=code,
                description=f"goods {code}",
                quantity=10,
                unit="kg",
                gross_weight_kg=1000,
                value=100,
            )
        )
    number = "CSQU3054383"
    session.add(Container(declaration_id=decl.id, number=number, size_type="22G1", declared_seal=f"SL{n:06d}"))
    insp = Inspection(declaration_id=decl.id, port_id=port.id, state="in_progress", created_at=utcnow())
    session.add(insp)
    session.flush()
    session.add(
        InspectorAssignment(inspection_id=insp.id, user_id=inspector.user_id, position="lead", assigned_at=utcnow())
    )
    session.flush()
    return insp.id, f"seal@{number}"


@pytest.fixture
def world(db):
    with unit_of_work(db) as s:
        port, other = _port(s), _port(s)
        inspector = _user(s, "inspector", port)
        first, seal_slot = _inspection(s, port, inspector, ("47071000", "72044900"))
        later, _ = _inspection(s, port, inspector, ("47079000",))
        other_heading, _ = _inspection(s, port, inspector, ("72041000",))
        return {
            "port": port.id,
            "inspector": inspector,
            "expert": _user(s, "expert", None),
            "admin": _user(s, "admin", None),
            "far_admin": _user(s, "admin", other),
            "first": first,
            "later": later,
            "other_heading": other_heading,
            "seal_slot": seal_slot,
        }


def _call(db, w, question: str, step: str | None = None) -> int:
    """The inspector asks on the first inspection (on its seal slot unless told), the expert joins."""
    sid = assist.request_assist(db, w["inspector"], w["first"], step or w["seal_slot"], question)
    assist.join_assist(db, w["expert"], sid)
    return sid


def _cases(db, session_id: int) -> list[AssistCase]:
    with unit_of_work(db) as s:
        return list(s.scalars(select(AssistCase).where(AssistCase.session_id == session_id)))


def test_a_stored_case_shows_in_the_hints_of_a_later_inspection_of_the_same_heading_and_step(db, world, tmp_path):
    sid = _call(db, world, "Is this <b>bolt</b> seal genuine?")
    shot = assist.save_snapshot(db, world["expert"], sid, _jpeg(), tmp_path)
    assist.end_assist(db, world["expert"], sid, "note", "Check the <b>serial</b> under the cap.")

    (case,) = _cases(db, sid)
    seal_step = next(s for s in load_checklist(db, world["first"]).steps if s.key == "seal")
    assert (case.heading, case.step_key, case.inspection_id) == ("4707", "seal", world["first"])
    assert case.rule_ids == list(seal_step.rule_ids)
    assert case.question == "Is this <b>bolt</b> seal genuine?"
    assert case.answer == "Check the <b>serial</b> under the cap."
    assert case.evidence_ids == [shot] and case.expert_id == world["expert"].user_id

    (hint,) = field_queries.step_cases(db, world["later"], "seal")
    assert hint["answer"] == "Check the <b>serial</b> under the cap."
    assert hint["inspection_id"] == world["first"] and hint["port_id"] == world["port"]
    assert hint["expert"].startswith("Case Expert") and hint["concluded_at"].tzinfo is not None
    # another step of the same goods, the same step of other goods, the inspection's own case: none
    assert field_queries.step_cases(db, world["later"], "goods") == []
    assert field_queries.step_cases(db, world["other_heading"], "seal") == []
    assert field_queries.step_cases(db, world["first"], "seal") == []

    with unit_of_work(db) as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "assist.case")).one()
    assert audit.entity_id == str(case.id) and audit.after["heading"] == "4707"


def test_the_hints_show_the_newest_three_cases(db, world):
    for n in range(4):
        sid = _call(db, world, f"question {n}")
        assist.end_assist(db, world["expert"], sid, None, f"answer {n}")
    answers = [c["answer"] for c in field_queries.step_cases(db, world["later"], "seal")]
    assert answers == ["answer 3", "answer 2", "answer 1"]


def test_correcting_the_conclusion_rewrites_the_case_and_no_answer_keeps_none(db, world):
    sid = _call(db, world, "Which seal class?")
    assist.end_assist(db, world["inspector"], sid)  # the inspector hangs up: no conclusion, no case
    assert _cases(db, sid) == []
    assist.end_assist(db, world["expert"], sid, None, "Class H")
    assist.end_assist(db, world["expert"], sid, None, "Class H, ISO 17712")
    (case,) = _cases(db, sid)
    assert case.answer == "Class H, ISO 17712"
    assert [c["answer"] for c in field_queries.step_cases(db, world["later"], "seal")] == ["Class H, ISO 17712"]

    off_checklist = _call(db, world, "Anything else?", "paperwork")
    assist.end_assist(db, world["expert"], off_checklist, None, "No")
    assert _cases(db, off_checklist) == []


def test_an_administrator_proposes_a_rule_from_a_recurring_case(db, world):
    for n in range(2):
        sid = _call(db, world, f"seal question {n}")
        assist.end_assist(db, world["expert"], sid, None, f"seal answer {n}")
    (case,) = _cases(db, sid)

    with pytest.raises(AccessDenied):
        assist_cases.propose_rule(db, world["expert"], case.id)
    with pytest.raises(AccessDenied):
        assist_cases.propose_rule(db, world["far_admin"], case.id)
    with pytest.raises(NotFound):
        assist_cases.propose_rule(db, world["admin"], case.id + 10_000)
    assert case_queries.review_cases(db, None, proposed_only=True) == []

    assist_cases.propose_rule(db, world["admin"], case.id)
    with pytest.raises(Conflict):
        assist_cases.propose_rule(db, world["admin"], case.id)

    (proposal,) = case_queries.review_cases(db, None, proposed_only=True)
    assert proposal["id"] == case.id and proposal["recurrence"] == 2
    assert proposal["proposed_by"].startswith("Case Admin") and proposal["proposed_at"] is not None
    assert {c["id"] for c in case_queries.review_cases(db, frozenset({world["port"]}))} >= {case.id}
    assert case_queries.review_cases(db, frozenset({-1})) == []
    with unit_of_work(db) as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "assist.propose_rule")).one()
    assert audit.entity == "assist_case" and audit.entity_id == str(case.id)
