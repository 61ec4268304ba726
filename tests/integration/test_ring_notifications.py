"""A ring of an expert for a request of remote help goes out through the expert's notification
subscriptions: queued with the ring, sent in the expert's language with the link to the call, and
listed in the administrators' delivery log beside the alerts' deliveries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from portsight.clock import utcnow
from portsight.config import Settings
from portsight.db.models import (
    AssistRing,
    Declaration,
    Inspection,
    NotificationDelivery,
    NotificationSubscription,
    User,
)
from portsight.db.session import unit_of_work
from portsight.notify import send_due
from portsight.queries.notifications import delivery_log
from portsight.services import assist
from portsight.services.assist_rings import decline_ring
from tests.integration.test_assist import _port, _user
from tests.integration.test_assist_rings import _request, ring_world  # noqa: F401 - the fixture
from tests.integration.test_notifications import Receiver

PUBLIC = "https://portsight.example.org"


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _subscribe(db, actor, target, port_ids=None) -> int:
    now = utcnow()
    with unit_of_work(db) as s:
        sub = NotificationSubscription(
            user_id=actor.user_id,
            channel="webhook",
            target=target,
            port_ids=port_ids,
            min_severity="high",  # an alert filter: a ring is not held back by it
            kinds=["finding"],
            active=True,
            created_at=now,
            changed_at=now,
        )
        s.add(sub)
        s.flush()
        return sub.id


def _queued(db, session_id):
    with unit_of_work(db) as s:
        return s.execute(
            select(NotificationDelivery.subscription_id, NotificationDelivery.reason, NotificationDelivery.status)
            .join(AssistRing, AssistRing.id == NotificationDelivery.assist_ring_id)
            .where(AssistRing.session_id == session_id)
            .order_by(NotificationDelivery.id)
        ).all()


@pytest.fixture
def w(ring_world):  # noqa: F811 - the request's world of tests/integration/test_assist_rings.py
    return ring_world


@pytest.fixture
def settings(tmp_path):
    return Settings(
        database_url="", data_dir=tmp_path, media_dir=tmp_path, simulator=False, secret="s", public_url=PUBLIC
    )


def test_a_rung_expert_with_a_subscription_gets_a_delivery_and_one_without_none(db, w, receiver):
    with unit_of_work(db) as s:
        other_port = _port(s, "ZZOTH").id
    here = _subscribe(db, w["meat"], f"{receiver.url}/meat")
    _subscribe(db, w["meat"], f"{receiver.url}/meat-elsewhere", port_ids=[other_port])  # not the request's port
    _subscribe(db, w["english"], f"{receiver.url}/english")  # subscribed, but not rung in the first circle
    sid = _request(db, w)
    assert _queued(db, sid) == [(here, "ring", "pending")]


def test_the_sender_sends_a_ring_in_the_experts_language_with_the_link_to_the_call(db, w, receiver, settings):
    receiver.posts.clear()
    with unit_of_work(db) as s:
        s.execute(update(User).where(User.id == w["meat"].user_id).values(language="en"))
        declaration = s.scalar(
            select(Declaration.number)
            .join(Inspection, Inspection.declaration_id == Declaration.id)
            .where(Inspection.id == w["inspection"])
        )
    _subscribe(db, w["meat"], f"{receiver.url}/meat")
    sid = _request(db, w)
    result = send_due(db, utcnow(), settings)
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    assert [status for _s, _r, status in _queued(db, sid)] == ["sent"]
    [payload] = receiver.to("/meat")
    assert "remote help" in payload["title"]
    body = payload["message"]
    assert "Is this the declared cut?" in body and f"Declaration: {declaration}" in body
    link = urlsplit(next(word for word in body.split() if word.startswith(PUBLIC)))
    assert (link.path, parse_qs(link.query)) == ("/remote_assist", {"room": [str(sid)]})


def test_the_delivery_log_lists_a_ring_delivery_with_its_request(db, w, receiver):
    _subscribe(db, w["meat"], f"{receiver.url}/meat")
    sid = _request(db, w)
    with unit_of_work(db) as s:
        admin = _user(s, "admin")
    [row] = [r for r in delivery_log(db, admin) if r["assist_id"] == sid]
    assert (row["alert_id"], row["reason"], row["status"]) == (None, "ring", "pending")


@pytest.mark.parametrize("first", ["joined", "declined", "cancelled"])
def test_a_ring_no_longer_needed_when_its_turn_comes_is_withdrawn_not_sent(db, w, receiver, settings, first):
    receiver.posts.clear()
    here = _subscribe(db, w["meat"], f"{receiver.url}/meat")
    sid = _request(db, w)
    if first == "joined":
        assist.join_assist(db, w["meat"], sid)
    elif first == "declined":
        decline_ring(db, w["meat"], sid)
    else:
        assist.cancel_assist(db, w["inspector"], sid)
    result = send_due(db, utcnow(), settings)
    assert (result.sent, result.retrying, result.failed) == (0, 0, 0)
    assert _queued(db, sid) == [(here, "ring", "withdrawn")]
    assert receiver.to("/meat") == []
