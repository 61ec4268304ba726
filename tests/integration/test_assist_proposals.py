"""The expert's view of a call (the inspection behind it, in one read) and the proposals made in it:
who may propose and decide, what a proposal may say, what is audited. SQLite and PostgreSQL."""

from __future__ import annotations

from itertools import count

import pytest
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.models import (
    AssistProposal,
    AuditEntry,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    InspectorAssignment,
    Port,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied, Actor
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.queries import assist_context
from portsight.services import assist, assist_proposals, field
from tests.integration.test_assist import JPEG, _port, _user

_ids = count(1)
BOX = "CSQU3054383"


def _inspection(session, port: Port, inspectors: list[Actor]) -> int:
    n = next(_ids)
    ent = Enterprise(uscc=f"93{n:016d}", name=f"Prop Ent {n}", credit_tier="general")
    session.add(ent)
    session.flush()
    decl = Declaration(
        number=f"PR{n:09d}",
        port_id=port.id,
        enterprise_id=ent.id,
        direction="import",
        transport_mode="sea",
        origin_country="DE",
        declared_at=utcnow(),
    )
    session.add(decl)
    session.flush()
    session.add(
        GoodsLine(
            declaration_id=decl.id,
            line_no=1,
            hs_code="47071000",
            description="recovered paper",
            quantity=10,
            unit="kg",
            gross_weight_kg=1000,
            value=100,
        )
    )
    session.add(Container(declaration_id=decl.id, number=BOX, size_type="22G1", declared_seal=f"SL{n:06d}"))
    insp = Inspection(declaration_id=decl.id, port_id=port.id, state="in_progress", created_at=utcnow())
    session.add(insp)
    session.flush()
    for position, who in zip(("lead", "second"), inspectors, strict=False):
        session.add(
            InspectorAssignment(inspection_id=insp.id, user_id=who.user_id, position=position, assigned_at=utcnow())
        )
    session.flush()
    return insp.id


@pytest.fixture
def call(db, tmp_path):
    """An active call on the seal slot of an inspection in progress, with the container number saved."""
    with unit_of_work(db) as s:
        port, other = _port(s, f"P{next(_ids):04d}"), _port(s, f"P{next(_ids):04d}")
        inspector, colleague = _user(s, "inspector", port), _user(s, "inspector", port)
        world = {
            "inspector": inspector,
            "colleague": colleague,
            "expert": _user(s, "expert", port),
            "other_expert": _user(s, "expert", port),
            "far_expert": _user(s, "expert", other),
            "other_port": other.id,
            "inspection": _inspection(s, port, [inspector, colleague]),
        }
        box_id = s.scalar(
            select(Container.id)
            .join(Inspection, Inspection.declaration_id == Container.declaration_id)
            .where(Inspection.id == world["inspection"])
        )
    world["box"] = box_id
    field.record_step_result(db, inspector, world["inspection"], "container_number", {"number": BOX}, box_id)
    sid = assist.request_assist(db, inspector, world["inspection"], f"seal@{BOX}", "Is this seal genuine?")
    assist.join_assist(db, world["expert"], sid)
    world["session"] = sid
    world["media"] = tmp_path
    return world


def test_a_snapshot_lands_in_the_evidence_of_the_step_and_container_asked_about(db, call):
    shot = assist.save_snapshot(db, call["expert"], call["session"], JPEG, call["media"])
    with unit_of_work(db) as s:
        evidence = s.get(Evidence, shot)
        assert (evidence.step_key, evidence.container_id) == ("seal", call["box"])
    context = assist_context.call_context(db, call["session"], call["expert"].port_ids)
    assert context["slot"]["photos_taken"] == 1
    assert [p["id"] for p in context["photos"] if p["this_step"]] == [shot]


def test_the_expert_sees_the_declaration_the_step_its_rules_and_what_was_saved(db, call):
    photo = assist.save_snapshot(db, call["expert"], call["session"], JPEG, call["media"])
    context = assist_context.call_context(db, call["session"], call["expert"].port_ids)
    assert context["session"]["question"] == "Is this seal genuine?"
    assert context["declaration"]["number"].startswith("PR")
    assert context["declaration"]["enterprise"].startswith("Prop Ent")
    assert [g["hs_code"] for g in context["goods"]] == ["47071000"]
    assert [c["number"] for c in context["containers"]] == [BOX]
    slot = context["slot"]
    assert (slot["id"], slot["step_key"], slot["container"]) == (f"seal@{BOX}", "seal", BOX)
    assert [i["name"] for i in slot["inputs"]] == ["seal_number", "seal_class"]
    assert slot["outcome"] is None and all(i["value"] is None for i in slot["inputs"])
    assert {r["id"] for r in context["rules"]} and all(r["citation"].en for r in context["rules"])
    assert context["hints"]["enterprise"]["name"].startswith("Prop Ent")
    assert context["cases"] == [] and context["proposals"] == []
    assert [p["id"] for p in context["photos"]] == [photo]

    # what the inspector saves on the step shows on the next read
    field.record_step_result(
        db, call["inspector"], call["inspection"], "seal", {"seal_number": "XX1", "seal_class": "H"}, call["box"]
    )
    again = assist_context.call_context(db, call["session"], call["expert"].port_ids)
    assert {i["name"]: i["value"] for i in again["slot"]["inputs"]} == {"seal_number": "XX1", "seal_class": "H"}
    assert again["slot"]["outcome"] is not None


def test_a_call_at_another_port_reads_as_absent(db, call):
    assert assist_context.call_context(db, call["session"], call["far_expert"].port_ids) is None
    assert assist_context.call_context(db, call["session"] + 10_000, None) is None


def test_the_inspector_confirms_a_proposed_value_and_gets_it_in_the_inputs_type(db, call):
    pid = assist_proposals.propose(db, call["expert"], call["session"], field="seal_class", value=" h ")
    (pending,) = assist_context.proposals_of(db, call["session"], pending_only=True)
    assert (pending["id"], pending["field"], pending["value"], pending["container"]) == (pid, "seal_class", "H", BOX)
    decided = assist_proposals.confirm_proposal(db, call["inspector"], pid)
    assert (decided["field"], decided["value"], decided["state"]) == ("seal_class", "H", "confirmed")
    assert assist_context.proposals_of(db, call["session"], pending_only=True) == []
    with unit_of_work(db) as s:
        row = s.get(AssistProposal, pid)
        assert (row.state, row.decided_by_id, row.step_key) == ("confirmed", call["inspector"].user_id, "seal")
        actions = [
            (a.action, a.user_id)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.entity == "assist_proposal").order_by(AuditEntry.id))
        ]
    assert actions == [
        ("assist.propose", call["expert"].user_id),
        ("assist.confirm_proposal", call["inspector"].user_id),
    ]
    with pytest.raises(Conflict):
        assist_proposals.dismiss_proposal(db, call["inspector"], pid)


def test_a_finding_is_proposed_with_its_note_and_dismissed(db, call):
    with pytest.raises(InvalidInput) as no_note:
        assist_proposals.propose(db, call["expert"], call["session"], outcome="non_conforming")
    assert no_note.value.message_key == "errors.proposal_finding_note"
    pid = assist_proposals.propose(
        db, call["expert"], call["session"], outcome="non_conforming", note="Seal <b>cut</b> and glued"
    )
    (shown,) = assist_context.call_context(db, call["session"], None)["proposals"]
    assert (shown["outcome"], shown["note"], shown["state"]) == (
        "non_conforming",
        "Seal <b>cut</b> and glued",
        "proposed",
    )
    assert assist_proposals.dismiss_proposal(db, call["inspector"], pid)["state"] == "dismissed"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"field": "weight", "value": "3"}, "errors.proposal_invalid_value"),  # not an input of the seal step
        ({"field": "seal_class", "value": "Z"}, "errors.proposal_invalid_value"),  # not one of I / S / H
        ({"field": "seal_number", "value": "  "}, "errors.proposal_invalid_value"),
        ({"field": "seal_class", "value": "H", "outcome": "non_conforming", "note": "x"}, "errors.proposal_one_thing"),
        ({}, "errors.proposal_one_thing"),
        ({"outcome": "maybe"}, "errors.proposal_bad_outcome"),
        ({"outcome": "conforming", "note": "x" * 1001}, "errors.text_too_long"),
    ],
)
def test_a_proposal_the_step_cannot_take_is_refused_and_nothing_is_kept(db, call, kwargs, key):
    with pytest.raises(InvalidInput) as refused:
        assist_proposals.propose(db, call["expert"], call["session"], **kwargs)
    assert refused.value.message_key == key
    assert assist_context.proposals_of(db, call["session"]) == []


def test_only_the_calls_expert_proposes_and_only_the_inspector_who_asked_decides(db, call):
    for someone in (call["other_expert"], call["inspector"]):
        with pytest.raises(AccessDenied):
            assist_proposals.propose(db, someone, call["session"], field="seal_class", value="H")
    with pytest.raises(AccessDenied):
        assist_proposals.propose(db, call["far_expert"], call["session"], field="seal_class", value="H")
    pid = assist_proposals.propose(db, call["expert"], call["session"], field="seal_class", value="H")
    for someone in (call["colleague"], call["expert"]):
        with pytest.raises(AccessDenied):
            assist_proposals.confirm_proposal(db, someone, pid)
    with pytest.raises(NotFound):
        assist_proposals.confirm_proposal(db, call["inspector"], pid + 10_000)
    assist.end_assist(db, call["expert"], call["session"])
    with pytest.raises(Conflict):  # the call is over: nothing more is proposed
        assist_proposals.propose(db, call["expert"], call["session"], field="seal_class", value="S")
    # a proposal made during the call can still be taken after it
    assert assist_proposals.confirm_proposal(db, call["inspector"], pid)["state"] == "confirmed"


def test_a_request_on_no_step_of_the_checklist_takes_no_proposal(db, call):
    assist.end_assist(db, call["expert"], call["session"])
    sid = assist.request_assist(db, call["inspector"], call["inspection"], "paperwork", "Which form?")
    assist.join_assist(db, call["expert"], sid)
    with pytest.raises(InvalidInput) as refused:
        assist_proposals.propose(db, call["expert"], sid, field="seal_class", value="H")
    assert refused.value.message_key == "errors.proposal_no_step"
    assert assist_context.call_context(db, sid, None)["slot"] is None
