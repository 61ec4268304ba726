"""Notifications end to end against real local servers started here (an aiosmtpd SMTP server and an
http.server receiver on 127.0.0.1): a high alert reaches the port's supervisor by e-mail and
webhook in their language with a link to it; a failing endpoint is retried with back-off, then
failed and shown to the administrator; an unacknowledged high alert escalates once per circle; a
silence records but does not send. Clocks are frozen: each step passes its own `now`."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
from datetime import timedelta
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert, select, update

from portsight.config import Settings, SmtpSettings
from portsight.db.models import Alert, AuditEntry, NotificationDelivery, User, UserPort
from portsight.db.notification_outbox import sweep
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied, Actor, Role
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.errors import InvalidInput
from portsight.notify import send_due, send_test
from portsight.queries.notifications import delivery_log, silences
from portsight.services.notifications import change_subscription, create_silence, create_subscription, end_silence
from tests.integration.supervision_world import NBO, SGH, make_world

PUBLIC = "https://portsight.example.org"
LIMITS = AlertCheckLimits(escalation_minutes=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"

    def text_to(self, address: str) -> list[tuple[str, str]]:
        return [(str(m["Subject"]), m.get_body(("plain",)).get_content()) for m in self.messages if m["To"] == address]


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


class Receiver:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append((self.path, json.loads(body)))
                self.send_response(500 if self.path.startswith("/fail") else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[dict]:
        return [payload for p, payload in self.posts if urlsplit(p).path == path]


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def settings(mailbox, tmp_path):
    box, port = mailbox
    box.messages.clear()
    return Settings(
        database_url="",
        data_dir=tmp_path,
        media_dir=tmp_path,
        simulator=False,
        secret="s",
        public_url=PUBLIC,
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", sender="portsight@example.org"),
    )


@pytest.fixture
def w(db, receiver):
    receiver.posts.clear()
    world = make_world(db)
    db.execute(
        insert(User),
        [
            {
                "id": 6,
                "username": "supervisor.east",
                "display_name": "East",
                "role": "supervisor",
                "password_hash": "x",
            },
            {
                "id": 7,
                "username": "supervisor.sgh.en",
                "display_name": "Li",
                "role": "supervisor",
                "password_hash": "x",
            },
        ],
    )
    db.execute(insert(UserPort), [{"user_id": 6, "port_id": SGH}, {"user_id": 6, "port_id": NBO}])
    db.execute(insert(UserPort), [{"user_id": 7, "port_id": SGH}])
    db.execute(update(User).where(User.id == 7).values(language="en"))
    return world


SUP_EAST = Actor(6, "supervisor.east", Role.SUPERVISOR, frozenset({SGH, NBO}))
SUP_SGH_EN = Actor(7, "supervisor.sgh.en", Role.SUPERVISOR, frozenset({SGH}))


def seal_alert(w, *, port_id=SGH, severity="high", at=None) -> int:
    alert = w.alert(port_id=port_id, severity=severity, kind="finding", raised_at=at or w.now)
    w.db.execute(
        update(Alert)
        .where(Alert.id == alert)
        .values(
            title_key="alert_titles.finding",
            title_params={"finding": {"zh": "封识号与申报不符", "en": "Seal number differs from the declaration"}},
        )
    )
    return alert


def subscribe(w, actor, channel, target, *, severity="high", at=None) -> int:
    return create_subscription(
        w.db, actor, channel=channel, target=target, min_severity=severity, now=at or w.now - timedelta(hours=1)
    )


def run_sweep(w, at):
    with unit_of_work(w.db) as session:
        return sweep(session, at, LIMITS)


def deliveries(w, alert_id):
    return w.db.execute(
        select(
            NotificationDelivery.subscription_id,
            NotificationDelivery.reason,
            NotificationDelivery.status,
            NotificationDelivery.attempts,
            NotificationDelivery.last_error,
        )
        .where(NotificationDelivery.alert_id == alert_id)
        .order_by(NotificationDelivery.id)
    ).all()


def link_in(text: str) -> str:
    return re.search(r"https://\S+", text).group(0)


def test_high_alert_reaches_the_port_supervisor_by_mail_and_webhook_in_their_language(w, settings, mailbox, receiver):
    box, _ = mailbox
    subscribe(w, w.sup_sgh, "email", "wang@example.org")
    subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/hooks/portsight?team=sgh")
    subscribe(w, SUP_SGH_EN, "email", "li@example.org")
    subscribe(w, w.sup_nbo, "email", "zhao@example.org")  # another port: not told
    alert = seal_alert(w)

    assert run_sweep(w, w.now).queued == 3
    assert run_sweep(w, w.now + timedelta(seconds=30)).queued == 0  # swept again: owed once
    result = send_due(w.db, w.now, settings)

    assert (result.sent, result.retrying, result.failed) == (3, 0, 0)
    assert {d.status for d in deliveries(w, alert)} == {"sent"}
    [(subject_zh, body_zh)] = box.text_to("wang@example.org")
    assert "高级预警" in subject_zh and "封识号与申报不符" in subject_zh
    assert "口岸：上海 (CNSGH)" in body_zh and "查看预警" in body_zh
    [(subject_en, body_en)] = box.text_to("li@example.org")
    assert "Seal number differs from the declaration" in subject_en and "Port: Shanghai (CNSGH)" in body_en
    assert box.text_to("zhao@example.org") == []
    [payload] = receiver.to("/hooks/portsight")
    assert "封识号与申报不符" in payload["title"] and "口岸：上海" in payload["message"]
    assert [p for p, _ in receiver.posts] == ["/hooks/portsight?team=sgh"]
    for text in (body_zh, body_en, payload["message"]):
        link = urlsplit(link_in(text))
        assert f"{link.scheme}://{link.netloc}" == PUBLIC
        assert (link.path, parse_qs(link.query)) == ("/alerts", {"alert": [str(alert)]})


def test_low_alert_or_other_kind_does_not_reach_a_high_only_subscription(w, settings, receiver):
    subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/high-only")
    create_subscription(
        w.db,
        w.sup_sgh,
        channel="webhook",
        target=f"{receiver.url}/overdue-only",
        min_severity="low",
        kinds=["overdue"],
        now=w.now - timedelta(hours=1),
    )
    seal_alert(w, severity="medium")
    run_sweep(w, w.now)
    send_due(w.db, w.now, settings)
    assert receiver.posts == []


def test_failing_endpoint_is_retried_with_back_off_then_failed_and_shown_to_the_admin(w, settings, receiver):
    subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/fail")
    alert = seal_alert(w)
    run_sweep(w, w.now)

    at = w.now
    assert send_due(w.db, at, settings).retrying == 1
    assert send_due(w.db, at + timedelta(seconds=59), settings) == send_due(w.db, at, settings)  # not yet due
    for minutes in (1, 5, 15):
        at += timedelta(minutes=minutes)
        assert send_due(w.db, at - timedelta(seconds=1), settings).retrying == 0
        assert send_due(w.db, at, settings).retrying == 1
    at += timedelta(minutes=60)
    assert send_due(w.db, at, settings).failed == 1
    assert send_due(w.db, at + timedelta(days=1), settings).retrying == 0

    assert len(receiver.to("/fail")) == 5
    [(_, reason, status, attempts, error)] = deliveries(w, alert)
    assert (reason, status, attempts) == ("raised", "failed", 5) and "500" in error
    [row] = delivery_log(w.db, w.admin, status="failed")
    assert (row["alert_id"], row["attempts"], row["next_attempt_at"], row["username"]) == (
        alert,
        5,
        None,
        "supervisor.sgh",
    )
    assert "500" in row["last_error"] and row["target"].endswith("/…")  # the address stays masked
    with pytest.raises(AccessDenied):
        delivery_log(w.db, w.sup_all)


def test_unacknowledged_high_alert_escalates_once_to_regional_then_national(w, settings, receiver):
    subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/port")
    subscribe(w, SUP_EAST, "webhook", f"{receiver.url}/regional")
    subscribe(w, w.sup_all, "webhook", f"{receiver.url}/national")
    alert = seal_alert(w)
    acknowledged = seal_alert(w)
    w.db.execute(update(Alert).where(Alert.id == acknowledged).values(state="acknowledged"))

    for minutes in (0, 29):
        assert run_sweep(w, w.now + timedelta(minutes=minutes)).escalated == 0
    assert run_sweep(w, w.now + timedelta(minutes=30)).escalated == 1
    assert run_sweep(w, w.now + timedelta(minutes=45)).escalated == 0
    assert run_sweep(w, w.now + timedelta(minutes=60)).escalated == 1
    assert run_sweep(w, w.now + timedelta(hours=5)).escalated == 0
    send_due(w.db, w.now + timedelta(hours=5), settings)

    assert [len(receiver.to(p)) for p in ("/port", "/regional", "/national")] == [1, 1, 1]
    assert "尚无人确认" in receiver.to("/national")[0]["message"]
    level = w.db.execute(select(Alert.escalation_level, Alert.escalated_at).where(Alert.id == alert)).one()
    assert level[0] == 2
    assert [r.reason for r in deliveries(w, acknowledged)] == []  # acknowledged before anyone was told
    audit = w.db.execute(
        select(AuditEntry.actor, AuditEntry.after)
        .where(AuditEntry.entity == "alert", AuditEntry.action == "escalate", AuditEntry.entity_id == str(alert))
        .order_by(AuditEntry.id)
    ).all()
    assert [(a.actor, a.after["escalation_level"]) for a in audit] == [("system", 1), ("system", 2)]


def test_a_port_without_regional_supervisors_escalates_straight_to_national(w, receiver):
    subscribe(w, w.sup_all, "webhook", f"{receiver.url}/national")
    alert = seal_alert(w)
    assert run_sweep(w, w.now + timedelta(minutes=30)).escalated == 1
    assert w.db.scalar(select(Alert.escalation_level).where(Alert.id == alert)) == 2
    assert [r.reason for r in deliveries(w, alert)] == ["escalated"]


def test_a_silence_records_but_does_not_send(w, settings, receiver):
    subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/sgh")
    subscribe(w, w.sup_nbo, "webhook", f"{receiver.url}/nbo")
    silence = create_silence(
        w.db,
        w.sup_sgh,
        kind="finding",
        port_id=SGH,
        starts_at=w.now - timedelta(minutes=1),
        ends_at=w.now + timedelta(hours=2),
        reason="  crane maintenance at berth 3 ",
        now=w.now,
    )
    silenced_alert = seal_alert(w)
    other_port = seal_alert(w, port_id=NBO)
    result = run_sweep(w, w.now)
    send_due(w.db, w.now, settings)

    assert (result.queued, result.silenced) == (2, 1)
    assert [(r.reason, r.status) for r in deliveries(w, silenced_alert)] == [("raised", "silenced")]
    assert [r.status for r in deliveries(w, other_port)] == ["sent"]
    assert receiver.to("/sgh") == [] and len(receiver.to("/nbo")) == 1
    [listed] = silences(w.db, w.sup_sgh, w.now)
    assert (listed["id"], listed["reason"], listed["running"], listed["port_code"]) == (
        silence,
        "crane maintenance at berth 3",
        True,
        "CNSGH",
    )

    end_silence(w.db, w.sup_sgh, silence, now=w.now + timedelta(minutes=10))
    assert silences(w.db, w.sup_sgh, w.now + timedelta(minutes=11)) == []
    after = seal_alert(w, at=w.now + timedelta(minutes=12))
    run_sweep(w, w.now + timedelta(minutes=12))
    send_due(w.db, w.now + timedelta(minutes=12), settings)
    assert [r.status for r in deliveries(w, after)] == ["sent"] and len(receiver.to("/sgh")) == 1
    actions = w.db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "alert_silence").order_by(AuditEntry.id)
    ).all()
    assert actions == ["create", "end"]


def test_a_switched_off_subscription_is_not_sent(w, settings, receiver):
    sub = subscribe(w, w.sup_sgh, "webhook", f"{receiver.url}/off")
    alert = seal_alert(w)
    run_sweep(w, w.now)
    change_subscription(
        w.db, w.sup_sgh, sub, target=f"{receiver.url}/off", min_severity="high", port_ids=None, kinds=None, active=False
    )
    send_due(w.db, w.now, settings)
    assert receiver.posts == [] and [r.status for r in deliveries(w, alert)] == ["failed"]


def test_test_send_reaches_the_address_at_once(w, settings, mailbox, receiver):
    box, _ = mailbox
    assert send_test("email", "wang@example.org", "zh_CN", settings) is None
    assert send_test("webhook", f"{receiver.url}/test", "en", settings) is None
    assert send_test("webhook", f"{receiver.url}/fail", "en", settings) is not None
    assert "PortSight" in box.text_to("wang@example.org")[0][0]
    assert receiver.to("/test")[0]["title"] == "PortSight test message"


@pytest.mark.parametrize(
    ("channel", "target", "key"),
    [
        ("email", "not an address", "notifications.address_target_characters"),
        ("email", "wang@", "notifications.address_email_syntax"),
        ("webhook", "file:///etc/passwd", "notifications.address_url_scheme"),
        ("webhook", "ftp://example.org/x", "notifications.address_url_scheme"),
        ("webhook", "https://user:pw@example.org/x", "notifications.address_url_credentials"),
        ("webhook", "https://example.org/" + "a" * 600, "notifications.address_target_length"),
        ("webhook", "https://example.org/\x00", "notifications.address_target_characters"),
        ("wecom", "https://evil.example.org/cgi-bin/webhook/send?key=abc", "notifications.address_robot_url"),
        ("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=abc", "notifications.address_robot_url"),
        ("sms", "13800000000", "notifications.address_channel_unknown"),
    ],
)
def test_hostile_or_wrong_addresses_are_refused_with_their_message(w, channel, target, key):
    with pytest.raises(InvalidInput) as refused:
        subscribe(w, w.sup_sgh, channel, target)
    assert refused.value.message_key == key


def test_only_those_who_cover_every_port_silence_every_port(w):
    window = {"starts_at": w.now, "ends_at": w.now + timedelta(hours=1), "now": w.now}
    with pytest.raises(AccessDenied):
        create_silence(w.db, w.sup_sgh, kind=None, port_id=None, reason="x", **window)
    with pytest.raises(AccessDenied):
        create_silence(w.db, w.sup_sgh, kind=None, port_id=NBO, reason="x", **window)
    with pytest.raises(InvalidInput) as refused:
        create_silence(w.db, w.sup_all, kind=None, port_id=None, reason="  ", **window)
    assert refused.value.message_key == "notifications.refused_reason"
    assert create_silence(w.db, w.sup_all, kind=None, port_id=None, reason="national drill", **window) > 0
    with pytest.raises(AccessDenied):
        create_subscription(
            w.db, w.sup_sgh, channel="email", target="a@example.org", min_severity="high", port_ids=[NBO]
        )
