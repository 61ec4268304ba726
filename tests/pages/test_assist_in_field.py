"""Remote assist inside the inspection, under AppTest with the WebRTC call stubbed: the call opens beside
the step on the field page and is rendered again on every rerun; the expert's call view shows the
inspection behind it; the expert's proposal fills in the inspector's step when confirmed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.remote_assist import webrtc
from portsight.db.models import AssistProposal, AssistSession, StepResult, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import Actor, Role
from portsight.services import assist, assist_proposals
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login

FIELD = "pages/field_inspection.py"
ASSIST = "pages/remote_assist.py"
BOX = "MSKU6011672"


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def fake_streamer(key, room, role, actor, ice_servers, **kwargs):
        seen.append({"key": key, "role": role, "user": actor.username})

    monkeypatch.setattr(webrtc, "streamer", fake_streamer)
    return seen


@pytest.fixture(scope="module")
def task(app_db) -> int:
    engine = make_engine(app_db[1])
    insp = recovered_paper_task(engine, number="DEC-PAPER-CALL", container=BOX, priority=3)
    engine.dispose()
    return insp


def _engine(app_db):
    return make_engine(app_db[1])


def _actor(engine, username: str) -> Actor:
    with unit_of_work(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        ports = None if user.all_ports else frozenset(p.id for p in user.ports)
        return Actor(user_id=user.id, username=user.username, role=Role(user.role), port_ids=ports)


def _session_rows(engine, inspection_id: int) -> list[tuple[int, str]]:
    with unit_of_work(engine) as s:
        return [
            (a.id, a.state)
            for a in s.scalars(
                select(AssistSession).where(AssistSession.inspection_id == inspection_id).order_by(AssistSession.id)
            )
        ]


def _open_task(new_app, task: int):
    at = login(new_app().run(), "inspector")
    at.switch_page(FIELD).run()
    at.button(key=f"field.open.{task}").click().run()
    if any(b.key == "field.accept" for b in at.button):
        at.button(key="field.accept").click().run()
    assert not at.exception, at.exception
    return at


def _ask(at, question: str):
    at.text_input(key="field.help_question").input(question)
    at.button(key="field.help_send").click().run()
    assert not errors(at), errors(at)
    return at


def test_the_call_opens_beside_the_step_and_stays_through_a_saved_step(new_app, app_db, task, calls):
    at = _ask(_open_task(new_app, task), "Is this bale wet paper?")
    engine = _engine(app_db)
    ((sid, state),) = _session_rows(engine, task)
    assert state == "waiting"
    assert calls[-1] == {"key": f"assist.call.{sid}", "role": "inspector", "user": "inspector"}
    assert any("waiting" in i.value.lower() for i in at.info)
    assert not any(t.key == "field.help_question" for t in at.text_input)  # one request at a time
    rendered = len(calls)

    at.text_input(key=f"field.in.container_number@{BOX}.number").input(BOX).run()
    at.button(key="field.save").click().run()
    assert not errors(at), errors(at)
    assert len(calls) == rendered + 2 and {c["key"] for c in calls[rendered:]} == {f"assist.call.{sid}"}
    assert at.selectbox(key="field.step_select").value == f"seal@{BOX}"
    assert _session_rows(engine, task) == [(sid, "waiting")]

    at.button(key="field.back").click().run()  # leaving the inspection cancels the request nobody took
    assert _session_rows(engine, task) == [(sid, "cancelled")]
    engine.dispose()


def test_the_expert_sees_the_inspection_and_the_inspector_confirms_a_proposal(new_app, app_db, task, calls):
    at = _ask(_open_task(new_app, task), "Which seal class is this?")
    engine = _engine(app_db)
    sid = _session_rows(engine, task)[-1][0]
    expert_actor = _actor(engine, "expert")
    assist.join_assist(engine, expert_actor, sid)

    expert = login(new_app().run(), "expert")
    expert.switch_page(ASSIST).run()
    assert not expert.exception and not errors(expert), errors(expert)
    assert calls[-1] == {"key": f"assist.call.{sid}", "role": "expert", "user": "expert"}
    shown = " ".join(m.value for m in expert.markdown)
    assert "DEC-PAPER-CALL" in shown and "Recovered kraft paper" in shown and BOX in shown
    assert "Seal" in shown  # the step asked about, with its inputs
    expert.selectbox(key="assist.propose_what").set_value("seal_class")
    expert.text_input(key="assist.propose_value").input("h")
    expert.button(key="FormSubmitter:assist.propose-Propose").click().run()
    assert not errors(expert), errors(expert)
    with unit_of_work(engine) as s:
        (proposal,) = s.scalars(select(AssistProposal).where(AssistProposal.session_id == sid))
        assert (proposal.field, proposal.value, proposal.state) == ("seal_class", "H", "proposed")

    at.run()
    assert any(c.key == f"field.proposal.{proposal.id}" for c in at.get("flex_container"))
    at.button(key=f"field.proposal_confirm.{proposal.id}").click().run()
    at.run()  # the panel's rerun of the whole page, which AppTest leaves to the next run
    assert not errors(at), errors(at)
    assert at.radio(key=f"field.in.seal@{BOX}.seal_class").value == "H"
    at.text_input(key=f"field.in.seal@{BOX}.seal_number").input("CN1234567")
    at.button(key="field.save").click().run()
    assert not errors(at), errors(at)
    with unit_of_work(engine) as s:
        seal = s.scalars(
            select(StepResult).where(StepResult.inspection_id == task, StepResult.step_key == "seal")
        ).one()
        assert seal.values["seal_class"] == "H" and seal.recorded_by_id != expert_actor.user_id
        assert s.get(AssistProposal, proposal.id).state == "confirmed"

    # the inspector hangs up: the call ends with a record
    at.button(key="field.call_end").click().run()
    assert _session_rows(engine, task)[-1] == (sid, "ended")
    assert any("ended" in i.value for i in at.info)
    engine.dispose()


def test_a_proposal_on_a_finding_fills_the_finding_text(new_app, app_db, task, calls):
    at = _ask(_open_task(new_app, task), "Is this plastic film in the bale?")
    engine = _engine(app_db)
    sid = _session_rows(engine, task)[-1][0]
    expert_actor = _actor(engine, "expert")
    assist.join_assist(engine, expert_actor, sid)
    pid = assist_proposals.propose(engine, expert_actor, sid, outcome="non_conforming", note="Plastic film inside")
    at.run()
    at.button(key=f"field.proposal_dismiss.{pid}").click().run()
    assert not any(b.key == f"field.proposal_confirm.{pid}" for b in at.button)
    again = assist_proposals.propose(engine, expert_actor, sid, outcome="non_conforming", note="Plastic film inside")
    at.run()
    at.button(key=f"field.proposal_confirm.{again}").click().run()
    at.run()
    assert at.text_area(key="field.finding_text").value == "Plastic film inside"
    at.button(key="field.back").click().run()  # leaving the inspection ends the call in progress
    assert _session_rows(engine, task)[-1] == (sid, "ended")
    engine.dispose()
