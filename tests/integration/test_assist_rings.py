"""Ringing experts for remote help: routing by chapter, language and duty, escalation, declining."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.models import (
    AssistRing,
    AssistSession,
    AuditEntry,
    DutyShift,
    ExpertSkill,
    GoodsLine,
    Inspection,
    Port,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied
from portsight.domain.assist_routing import LOCAL, NATIONAL, ON_DUTY, RING_SECONDS
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.queries import assist_rings as q
from portsight.services import assist
from portsight.services.assist_rings import decline_ring, escalate_unanswered, rule_families_of_step
from portsight.services.expert_skills import set_expert_skills
from tests.integration.test_assist import _inspection, _port, _user

_ids = count(1)


def _skills(session, actor, *skills):
    for kind, value in skills:
        session.add(ExpertSkill(user_id=actor.user_id, kind=kind, value=value))


def _on_duty(session, actor, port_id):
    now = utcnow()
    session.add(
        DutyShift(
            user_id=actor.user_id, port_id=port_id, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)
        )
    )


def _goods(session, inspection_id, hs_code):
    declaration_id = session.get(Inspection, inspection_id).declaration_id
    session.add(
        GoodsLine(
            declaration_id=declaration_id,
            line_no=1,
            hs_code=hs_code,
            description="frozen beef",
            quantity=1,
            unit="kg",
            gross_weight_kg=1,
            value=1,
        )
    )


@pytest.fixture
def ring_world(db):
    with unit_of_work(db) as s:
        port = _port(s, f"R{next(_ids):04d}")
        other = _port(s, f"Q{next(_ids):04d}")
        inspector = _user(s, "inspector", port)
        meat = _user(s, "expert", port)  # on duty here, meat, Chinese
        _skills(s, meat, ("chapter", "02"), ("language", "zh_CN"))
        machines = _user(s, "expert", port)  # on duty here, other goods
        _skills(s, machines, ("chapter", "84"))
        english = _user(s, "expert", port)  # on duty here, meat, English only
        _skills(s, english, ("chapter", "02"), ("language", "en"))
        elsewhere = _user(s, "expert", port)  # covers the port, on duty at the other one
        _skills(s, elsewhere, ("chapter", "02"))
        far = _user(s, "expert", other)  # neither covers the port nor is asked
        for actor in (meat, machines, english):
            _on_duty(s, actor, port.id)
        _on_duty(s, elsewhere, other.id)
        _on_duty(s, far, other.id)
        inspection = _inspection(s, port, inspectors=[inspector])
        _goods(s, inspection, "0202300000")
    return {
        "port": port.id,
        "inspector": inspector,
        "meat": meat,
        "machines": machines,
        "english": english,
        "elsewhere": elsewhere,
        "far": far,
        "inspection": inspection,
    }


def _rings(db, session_id):
    with unit_of_work(db) as s:
        rows = s.scalars(select(AssistRing).where(AssistRing.session_id == session_id))
        return {(r.user_id, r.circle, r.declined_at is not None) for r in rows}


def _circle(db, session_id):
    with unit_of_work(db) as s:
        return s.get(AssistSession, session_id).circle


def _request(db, w):
    return assist.request_assist(db, w["inspector"], w["inspection"], "goods", "Is this the declared cut?")


def test_a_request_rings_the_experts_on_duty_at_the_port_who_know_the_goods_and_speak_the_language(db, ring_world):
    w = ring_world
    sid = _request(db, w)
    assert _circle(db, sid) == LOCAL
    assert _rings(db, sid) == {(w["meat"].user_id, LOCAL, False)}
    assert [r["id"] for r in q.rings_for(db, w["meat"].user_id)] == [sid]
    assert q.rings_for(db, w["machines"].user_id) == []
    assert q.rings_for(db, w["english"].user_id) == []
    with unit_of_work(db) as s:
        assert s.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "assist.ring", AuditEntry.entity_id == str(sid))
        )


def test_unanswered_it_rings_the_next_circle_after_the_ring_time_and_then_everyone(db, ring_world):
    w = ring_world
    sid = _request(db, w)
    start = utcnow()
    assert sid not in escalate_unanswered(db, start + timedelta(seconds=RING_SECONDS - 5))
    assert _circle(db, sid) == LOCAL
    assert sid in escalate_unanswered(db, start + timedelta(seconds=RING_SECONDS + 1))
    assert _circle(db, sid) == ON_DUTY
    assert (w["elsewhere"].user_id, ON_DUTY, False) in _rings(db, sid)
    assert sid in escalate_unanswered(db, start + timedelta(seconds=2 * RING_SECONDS + 2))
    assert _circle(db, sid) == NATIONAL
    rung = {user for user, _c, _d in _rings(db, sid)}
    assert {w["machines"].user_id, w["english"].user_id} <= rung
    assert w["far"].user_id not in rung
    assert sid not in escalate_unanswered(db, start + timedelta(hours=1))  # the last circle keeps ringing
    coming = q.who_is_coming(db, sid)
    assert coming["circle"] == NATIONAL and coming["expert"] is None
    assert coming["rung"][0]["user_id"] == w["meat"].user_id and coming["rung"][0]["circle"] == LOCAL


def test_the_rings_of_a_simulated_request_are_marked_simulated_and_a_real_one_s_are_not(db, ring_world):
    w = ring_world
    simulated = dataclasses.replace(w["inspector"], simulated=True)
    sim = assist.request_assist(db, simulated, w["inspection"], "goods", "Simulated: is this the declared cut?")
    assert sim in escalate_unanswered(db, utcnow() + timedelta(seconds=RING_SECONDS + 1))
    with unit_of_work(db) as s:
        marks = s.execute(
            select(AuditEntry.action, AuditEntry.simulated)
            .where(AuditEntry.entity == "assist_session", AuditEntry.entity_id == str(sim))
            .where(AuditEntry.action.in_(("assist.ring", "assist.escalate")))
        ).all()
    assert sorted(marks) == [("assist.escalate", True), ("assist.ring", True)]
    assist.cancel_assist(db, simulated, sim)
    real = _request(db, w)
    with unit_of_work(db) as s:
        assert (
            s.scalar(
                select(AuditEntry.simulated).where(
                    AuditEntry.action == "assist.ring", AuditEntry.entity_id == str(real)
                )
            )
            is False
        )


def test_when_everyone_rung_declines_the_next_circle_rings_at_once(db, ring_world):
    w = ring_world
    sid = _request(db, w)
    decline_ring(db, w["meat"], sid)
    assert _circle(db, sid) == ON_DUTY
    assert q.rings_for(db, w["meat"].user_id) == []
    assert [r["id"] for r in q.rings_for(db, w["elsewhere"].user_id)] == [sid]
    decline_ring(db, w["meat"], sid)  # declining twice changes nothing
    assert (w["meat"].user_id, LOCAL, True) in _rings(db, sid)
    declined = [r for r in q.who_is_coming(db, sid)["rung"] if r["declined_at"] is not None]
    assert [r["user_id"] for r in declined] == [w["meat"].user_id]


def test_only_an_expert_who_was_rung_declines_a_waiting_request(db, ring_world):
    w = ring_world
    sid = _request(db, w)
    with pytest.raises(AccessDenied):
        decline_ring(db, w["machines"], sid)
    with pytest.raises(AccessDenied):
        decline_ring(db, w["inspector"], sid)
    assist.join_assist(db, w["meat"], sid)
    with pytest.raises(Conflict):
        decline_ring(db, w["meat"], sid)


def test_who_is_coming_names_the_expert_who_joined_and_rings_stop(db, ring_world):
    w = ring_world
    sid = _request(db, w)
    assist.join_assist(db, w["meat"], sid)
    assert q.who_is_coming(db, sid)["expert"] == "Expert " + w["meat"].username.removeprefix("expert")
    assert q.rings_for(db, w["meat"].user_id) == []
    assert sid not in escalate_unanswered(db, utcnow() + timedelta(minutes=5))


def test_an_expert_in_a_call_is_rung_only_in_the_last_circle(db, ring_world):
    w = ring_world
    first = _request(db, w)
    assist.join_assist(db, w["meat"], first)
    with unit_of_work(db) as s:
        port = s.get(Port, w["port"])
        inspector2 = _user(s, "inspector", port)
        second_inspection = _inspection(s, port, inspectors=[inspector2])
        _goods(s, second_inspection, "0201100000")
    second = assist.request_assist(db, inspector2, second_inspection, "goods", "And this one?")
    assert _circle(db, second) == ON_DUTY  # nobody free at the port knows meat in Chinese
    assert w["meat"].user_id not in {u for u, _c, _d in _rings(db, second)}


def test_the_rule_families_of_a_step_are_the_rule_files_that_add_or_check_it():
    assert "meat" in rule_families_of_step("meat_documents")
    assert rule_families_of_step(None) == frozenset()


def test_an_administrator_sets_what_an_expert_is_rung_for_audited(db, ring_world):
    w = ring_world
    with unit_of_work(db) as s:
        admin = _user(s, "admin")
    set_expert_skills(
        db, admin, w["machines"].user_id, chapters=["85", "84", " 84"], rule_families=["ccc"], languages=["en"]
    )
    assert q.expert_skills(db, w["machines"].user_id) == {
        "chapter": ["84", "85"],
        "language": ["en"],
        "rule_family": ["ccc"],
    }
    with unit_of_work(db) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "user.skills", AuditEntry.entity_id == str(w["machines"].user_id)
            )
        ).one()
        assert entry.before["chapter"] == ["84"] and entry.after["rule_family"] == ["ccc"]
    set_expert_skills(db, admin, w["machines"].user_id)  # none of any kind: rung for anything
    assert q.expert_skills(db, w["machines"].user_id) == {}


def test_skills_are_refused_when_unknown_or_not_for_an_expert_or_not_by_an_administrator(db, ring_world):
    w = ring_world
    with unit_of_work(db) as s:
        admin = _user(s, "admin")
    with pytest.raises(InvalidInput):
        set_expert_skills(db, admin, w["meat"].user_id, chapters=["2"])
    with pytest.raises(InvalidInput):
        set_expert_skills(db, admin, w["meat"].user_id, rule_families=["astrology"])
    with pytest.raises(NotFound):
        set_expert_skills(db, admin, w["inspector"].user_id, chapters=["02"])
    with pytest.raises(AccessDenied):
        set_expert_skills(db, w["meat"], w["meat"].user_id, chapters=["02"])
    assert q.expert_skills(db, w["meat"].user_id) == {"chapter": ["02"], "language": ["zh_CN"]}
