"""The remote-assist page under AppTest, with the WebRTC call stubbed (AppTest has no media server)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.remote_assist import webrtc
from portsight.db.models import AssistSession, ChatMessage, User
from portsight.db.session import make_engine, unit_of_work
from tests.pages.conftest import errors, login

PAGE = "pages/remote_assist.py"


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def fake_streamer(key, room, role, actor, ice_servers, **kwargs):
        seen.append({"key": key, "role": role, "user": actor.username, "ice": ice_servers, **kwargs})

    monkeypatch.setattr(webrtc, "streamer", fake_streamer)
    return seen


def open_page(new_app, username):
    at = login(new_app().run(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def sessions(app_db):
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        rows = [(a.id, a.state, a.expert_id) for a in s.scalars(select(AssistSession).order_by(AssistSession.id))]
    engine.dispose()
    return rows


def test_expert_sees_the_waiting_request_and_joins_it(new_app, app_db, calls):
    at = open_page(new_app, "expert")
    queue = at.dataframe[0].value
    waiting_id = int(queue["id"].iloc[0])
    assert "Is this seal tampered with?" in queue["question"].tolist()
    at.button(key=f"assist.join.{waiting_id}").click().run()
    assert not errors(at) and not at.exception
    at.run()  # the queue is a fragment: its st.rerun(scope="app") is followed by the server, not by AppTest
    state = dict((sid, st) for sid, st, _ in sessions(app_db))
    assert state[waiting_id] == "active"
    assert calls and calls[-1]["role"] == "expert" and calls[-1]["key"] == f"assist.call.{waiting_id}"
    assert calls[-1]["ice"] == [] and calls[-1]["desired_playing_state"] is True
    # annotation tools are there for the expert
    assert at.button(key="assist.undo_mark") is not None
    assert at.segmented_control(key="assist.mark_kind").value == "circle"
    # the inspector sees who joined, in the live panel
    inspector = open_page(new_app, "inspector")
    assert any("Expert" in s.value for s in inspector.success)
    assert calls[-1]["role"] == "inspector"


def test_chat_from_the_inspector_is_stored(new_app, app_db, calls):
    at = open_page(new_app, "inspector")
    at.text_input(key="assist.chat_text").input("Seal number 4711")
    at.button(key="FormSubmitter:assist.chat_form-Send").click().run()
    assert not errors(at)
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        texts = list(s.scalars(select(ChatMessage.text)))
        assert "Seal number 4711" in texts
    engine.dispose()


def test_expert_ends_the_call_with_note_and_conclusion_and_sees_the_record(new_app, app_db, calls):
    at = open_page(new_app, "expert")
    rows = sessions(app_db)
    active = [sid for sid, st, _ in rows if st == "active"]
    if not active:
        waiting_id = int(at.dataframe[0].value["id"].iloc[0])
        at.button(key=f"assist.join.{waiting_id}").click().run()
        at.run()
        active = [waiting_id]
    at.text_area(key="assist.note").input("Seal intact")
    at.text_area(key="assist.conclusion").input("Conforms")
    at.button(key="FormSubmitter:assist.end_form-End the call").click().run()
    assert not errors(at), errors(at)
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        record = s.get(AssistSession, active[0])
        assert (record.state, record.note, record.conclusion) == ("ended", "Seal intact", "Conforms")
        expert_id = s.scalar(select(User.id).where(User.username == "expert"))
        assert record.expert_id == expert_id
    engine.dispose()
    assert any("Record of request" in h.value for h in at.subheader)


def test_inspector_without_open_request_can_ask_for_help(new_app, app_db, calls):
    # earlier tests in this module ended the seeded request
    at = open_page(new_app, "inspector")
    if at.text_area(key="assist.question") is None:
        pytest.skip("an open request remains")
    at.text_input(key="assist.step").input("cargo")
    at.text_area(key="assist.question").input("What is this powder?")
    at.button(key="FormSubmitter:assist.request-Ask for an expert").click().run()
    assert not errors(at), errors(at)
    assert sessions(app_db)[-1][1] == "waiting"
    assert calls[-1]["role"] == "inspector"
