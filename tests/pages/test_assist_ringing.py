"""Ringing under AppTest: the expert's banner on any page (join, decline), the inspector's "who is coming",
and the administrator's editor of what an expert is rung for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from components.remote_assist import webrtc
from portsight.clock import utcnow
from portsight.db.models import AssistRing, AssistSession, ExpertSkill, User
from portsight.db.session import make_engine, unit_of_work
from portsight.services.assist_rings import escalate_unanswered
from tests.pages.conftest import errors, login

HOME = "pages/home.py"


@pytest.fixture
def ringing(app_db):
    """The prepared waiting request, left unanswered long enough to ring every expert: its id."""
    engine = make_engine(app_db[1])
    escalate_unanswered(engine, utcnow() + timedelta(hours=1))
    with unit_of_work(engine) as s:
        sid = s.scalar(select(AssistSession.id).where(AssistSession.state == "waiting"))
    engine.dispose()
    return sid


@pytest.fixture
def no_call(monkeypatch):
    monkeypatch.setattr(webrtc, "streamer", lambda *args, **kwargs: None)


def _ring_of(app_db, sid, username):
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        ring = s.scalar(select(AssistRing).where(AssistRing.session_id == sid, AssistRing.user_id == user_id))
        found = None if ring is None else (ring.circle, ring.declined_at is not None)
        state = s.get(AssistSession, sid).state
    engine.dispose()
    return found, state


def signed_in(new_app, username):
    """Signed in, and run once more: AppTest's first signed-in run gives app.py's widgets other ids."""
    return login(new_app().run(), username).run()


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_an_expert_is_rung_on_any_page_and_declines(new_app, app_db, ringing):
    at = signed_in(new_app, "expert")
    assert not at.exception, at.exception
    assert f"Request #{ringing} is ringing you" in _texts(at)
    assert "Is this seal tampered with?" in _texts(at)
    at.button(key=f"ringing.decline.{ringing}").click().run()
    assert not errors(at) and not at.exception
    assert _ring_of(app_db, ringing, "expert")[0] == (2, True)
    assert f"Request #{ringing} is ringing you" not in _texts(at)
    assert f"You declined request #{ringing}" in " ".join(t.value for t in at.toast)


def test_the_inspector_waiting_sees_who_is_rung_and_who_declined(new_app, app_db, ringing, no_call):
    at = signed_in(new_app, "inspector")
    at.switch_page("pages/remote_assist.py").run()
    assert not at.exception, at.exception
    texts = _texts(at)
    assert "Ringing every expert who covers this port." in texts
    assert "declined" in texts  # the previous test's decline, or ringing: both name the expert
    assert any(c.value.startswith("Expert") or ":" in c.value for c in at.caption)


def test_an_expert_joins_through_the_ring(new_app, app_db, no_call):
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        sid = s.scalar(select(AssistSession.id).where(AssistSession.state == "waiting"))
        expert_id = s.scalar(select(User.id).where(User.username == "expert"))
        ring = s.scalar(select(AssistRing).where(AssistRing.session_id == sid, AssistRing.user_id == expert_id))
        ring.declined_at = None  # rung again (the first test declined)
    engine.dispose()
    at = signed_in(new_app, "expert")
    at.button(key=f"ringing.join.{sid}").click().run()
    assert _ring_of(app_db, sid, "expert")[1] == "active"
    assert not errors(at) and not at.exception, at.exception
    assert at.title[0].value == "Remote assistance"  # on the call's page


def test_a_request_joined_from_the_queue_stops_ringing_at_once(new_app, app_db, no_call):
    """Joined from the remote assistance page's queue, as from the banner: the request's banner is gone
    from the next run, not a ring period later (it pushed the call's video down the expert's page)."""
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:  # the prepared request (joined or declined above), waiting and ringing again
        record = s.scalar(select(AssistSession).where(AssistSession.state.in_(("waiting", "active"))))
        record.state, record.expert_id, record.joined_at = "waiting", None, None
        sid = record.id
    escalate_unanswered(engine, utcnow() + timedelta(hours=1))
    with unit_of_work(engine) as s:
        expert_id = s.scalar(select(User.id).where(User.username == "expert"))
        ring = s.scalar(select(AssistRing).where(AssistRing.session_id == sid, AssistRing.user_id == expert_id))
        ring.declined_at = None
    engine.dispose()
    at = signed_in(new_app, "expert")
    at.switch_page("pages/remote_assist.py").run()
    assert f"Request #{sid} is ringing you" in _texts(at)
    at.button(key=f"assist.join.{sid}").click().run()
    at.run()  # the queue's fragment reruns the app (followed by the server, not by AppTest)
    assert not errors(at) and not at.exception, at.exception
    assert _ring_of(app_db, sid, "expert")[1] == "active"
    assert f"Request #{sid} is ringing you" not in _texts(at)


def test_an_administrator_records_what_an_expert_is_rung_for(new_app, app_db):
    at = signed_in(new_app, "admin")
    at.switch_page("pages/users.py").run()
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        expert_id = s.scalar(select(User.id).where(User.username == "expert"))
    at.selectbox(key="users.pick").set_value(expert_id).run()
    at.multiselect(key=f"users.skill_chapters.{expert_id}").set_value(["02", "74"]).run()
    at.multiselect(key=f"users.skill_languages.{expert_id}").set_value(["zh_CN"]).run()
    at.button(key="users.save_skills").click().run()
    assert not errors(at) and not at.exception, at.exception
    with unit_of_work(engine) as s:
        skills = set(s.execute(select(ExpertSkill.kind, ExpertSkill.value).where(ExpertSkill.user_id == expert_id)))
    engine.dispose()
    assert skills == {("chapter", "02"), ("chapter", "74"), ("language", "zh_CN")}
    at.run()
    assert at.multiselect(key=f"users.skill_chapters.{expert_id}").value == ["02", "74"]
