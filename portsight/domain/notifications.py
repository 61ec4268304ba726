"""Who is told about an alert, on which channel, and when a message is tried again. Pure.

Circles (who hears first, who hears when nobody acknowledges):

    0 port      a user who covers exactly one port: that port's own supervisors
    1 regional  a user who covers several ports (not all)
    2 national  a user who covers every port (all_ports), administrators as a rule

A raised or re-opened alert is sent to the matching subscriptions of circle 0 of its port; a
high alert still open (not acknowledged) `escalation_minutes` after it fired goes to the next
circle that has anyone to tell, and again after each further delay, up to the national one.

Channels and the addresses a user enters (checked by `target_problem`):

    email     an e-mail address                      wang@example.org
    webhook   an http(s) URL, sent a JSON POST       https://ops.example.org/hooks/portsight
    wecom     the group robot's webhook URL          https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
    dingtalk  the group robot's webhook URL          https://oapi.dingtalk.com/robot/send?access_token=…
    feishu    the group robot's webhook URL          https://open.feishu.cn/open-apis/bot/v2/hook/…
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from portsight.domain.assist_routing import WAITING
from portsight.domain.rulebook import SEVERITIES

PORT_CIRCLE, REGIONAL_CIRCLE, NATIONAL_CIRCLE = 0, 1, 2
CIRCLES = (PORT_CIRCLE, REGIONAL_CIRCLE, NATIONAL_CIRCLE)

CHANNELS = ("email", "webhook", "wecom", "dingtalk", "feishu")
RAISED, REOPENED, ESCALATED = "raised", "reopened", "escalated"
RING = "ring"  # an expert rung for a request of remote help, not an alert
PENDING, SENT, FAILED, SILENCED = "pending", "sent", "failed", "silenced"
WITHDRAWN = "withdrawn"  # a ring not sent: its request was taken or ended, or the expert declined, first
DELIVERY_STATUSES = (PENDING, SENT, FAILED, SILENCED, WITHDRAWN)


def ring_still_calls(request_state: str, declined: bool) -> bool:
    """Whether a ring's message is still worth sending: its request still waits for an expert and
    this expert has not declined it (a message that arrives after someone joined only misleads)."""
    return request_state == WAITING and not declined


# Minutes before the 2nd, 3rd, ... attempt; after the last one fails the delivery is failed.
BACKOFF_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1

MAX_TARGET = 500  # the column's width
MAX_EMAIL = 254  # RFC 5321 path limit
ESCALATES_FROM = "high"

# The chat robots' own hosts and paths: a robot channel never posts anywhere else.
ROBOTS = {
    "wecom": (
        "qyapi.weixin.qq.com",
        re.compile(r"/cgi-bin/webhook/send/?"),
        "key",
        re.compile(r"[A-Za-z0-9_-]{1,100}"),
    ),
    "dingtalk": ("oapi.dingtalk.com", re.compile(r"/robot/send/?"), "access_token", re.compile(r"[A-Za-z0-9]{1,100}")),
    "feishu": ("open.feishu.cn", re.compile(r"/open-apis/bot/v2/hook/(?P<token>[A-Za-z0-9_-]{1,100})/?"), None, None),
}
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")  # a name or an address (IPv6 unbracketed)


@dataclass(frozen=True)
class Recipient:
    """A subscription and what is known of its user: enough to decide whether an alert reaches it."""

    subscription_id: int
    user_id: int
    all_ports: bool
    user_port_ids: frozenset[int]
    port_ids: frozenset[int] | None  # None: every port the user covers
    min_severity: str
    kinds: frozenset[str] | None  # None: every kind
    created_at: datetime | None = None

    @property
    def circle(self) -> int:
        return circle_of(self.all_ports, len(self.user_port_ids))

    def covers(self, port_id: int | None) -> bool:
        if self.all_ports:
            return port_id is None or self.port_ids is None or port_id in self.port_ids
        if port_id is None or port_id not in self.user_port_ids:
            return False
        return self.port_ids is None or port_id in self.port_ids

    def wants(self, *, kind: str, severity: str, port_id: int | None) -> bool:
        return (
            self.covers(port_id)
            and severity_reaches(severity, self.min_severity)
            and (self.kinds is None or kind in self.kinds)
        )


@dataclass(frozen=True)
class Silence:
    kind: str | None  # None: every kind
    port_id: int | None  # None: every port
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None = None

    def holds(self, *, kind: str, port_id: int | None, at: datetime) -> bool:
        end = self.ends_at if self.ended_at is None else min(self.ends_at, self.ended_at)
        return (
            self.starts_at <= at < end
            and (self.kind is None or self.kind == kind)
            and (self.port_id is None or self.port_id == port_id)
        )


def circle_of(all_ports: bool, port_count: int) -> int:
    if all_ports:
        return NATIONAL_CIRCLE
    return REGIONAL_CIRCLE if port_count > 1 else PORT_CIRCLE


def severity_reaches(severity: str, min_severity: str) -> bool:
    if severity not in SEVERITIES or min_severity not in SEVERITIES:
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(min_severity)


def silenced(silences: Iterable[Silence], *, kind: str, port_id: int | None, at: datetime) -> bool:
    return any(s.holds(kind=kind, port_id=port_id, at=at) for s in silences)


def first_recipients(
    recipients: Iterable[Recipient], *, kind: str, severity: str, port_id: int | None
) -> list[Recipient]:
    """Who hears of a raised or re-opened alert: the port's own circle."""
    return [r for r in recipients if r.circle == PORT_CIRCLE and r.wants(kind=kind, severity=severity, port_id=port_id)]


def escalation_due(
    *, severity: str, level: int, fired_at: datetime, escalated_at: datetime | None, minutes: int, now: datetime
) -> bool:
    """Whether an unacknowledged open alert goes to the next circle now: high, not yet national,
    and `minutes` passed since it fired (or since its last escalation)."""
    if severity != ESCALATES_FROM or level >= NATIONAL_CIRCLE:
        return False
    since = fired_at if escalated_at is None else escalated_at
    return now >= since + timedelta(minutes=max(minutes, 1))


def escalate(
    recipients: Iterable[Recipient], *, level: int, kind: str, severity: str, port_id: int | None
) -> tuple[int, list[Recipient]]:
    """The circle an alert at `level` goes to next and who in it hears: the nearest circle above
    `level` that has someone to tell (a port without regional supervisors goes straight to the
    national circle); the national circle, with nobody, when no circle has anyone."""
    wanting = [r for r in recipients if r.wants(kind=kind, severity=severity, port_id=port_id)]
    for circle in CIRCLES[level + 1 :]:
        told = [r for r in wanting if r.circle == circle]
        if told:
            return circle, told
    return NATIONAL_CIRCLE, []


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None when they are used up (failed)."""
    if attempts < 1 or attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(minutes=BACKOFF_MINUTES[attempts - 1])


def target_problem(channel: str, target: str) -> str | None:
    """Why an address cannot be used on a channel (a message key's last part), None when it can."""
    if channel not in CHANNELS:
        return "channel_unknown"
    if not target or len(target) > MAX_TARGET:
        return "target_length"
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return "target_characters"
    if channel == "email":
        return None if len(target) <= MAX_EMAIL and _EMAIL.fullmatch(target) else "email_syntax"
    return _url_problem(channel, target)


def _url_problem(channel: str, target: str) -> str | None:
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError:
        return "url_syntax"
    if parts.scheme not in ("http", "https"):
        return "url_scheme"
    if not parts.hostname or not _HOST.fullmatch(parts.hostname):
        return "url_host"
    if parts.username is not None or parts.password is not None or parts.fragment:
        return "url_credentials"
    if channel == "webhook":
        return None if port is None or 0 < port < 65536 else "url_host"
    return None if robot_key(channel, target) is not None else "robot_url"


def robot_key(channel: str, target: str) -> str | None:
    """The key or token of a chat robot's webhook URL, None when the URL is not that robot's."""
    if channel not in ROBOTS:
        return None
    host, path, param, value = ROBOTS[channel]
    parts = urlsplit(target)
    matched = path.fullmatch(parts.path)
    if parts.scheme != "https" or parts.hostname != host or parts.port is not None or matched is None:
        return None
    if param is None or value is None:
        return matched.group("token") if not parts.query else None
    values = parse_qs(parts.query, keep_blank_values=True).get(param, [])
    return values[0] if len(values) == 1 and value.fullmatch(values[0]) else None


def masked_target(channel: str, target: str) -> str:
    """An address as others may see it (the delivery log, the audit): a robot's key and a
    webhook's path and query are secrets."""
    if channel == "email":
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/…"
