"""A notification's text in the recipient's language, with the link that opens the alert, or for
an expert rung for a request of remote help, the link that opens its call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from portsight.i18n import LANGUAGES, fmt_datetime, t
from portsight.messages import alert_title

MAX_TITLE = 120  # e-mail subjects and robot headers stay readable


@dataclass(frozen=True)
class AlertFacts:
    id: int
    kind: str
    severity: str
    title: str
    title_key: str | None
    title_params: dict | None
    port_code: str | None
    port_name_zh: str | None
    port_name_en: str | None
    count: int
    last_raised_at: datetime


@dataclass(frozen=True)
class RingFacts:
    session_id: int
    question: str
    declaration: str | None
    port_code: str | None
    port_name_zh: str | None
    port_name_en: str | None


def _port(lang: str, code: str | None, name_zh: str | None, name_en: str | None) -> str:
    name = name_zh if lang.startswith("zh") else name_en
    return f"{name or ''} ({code})" if code else t(lang, "notifications.no_port")


def alert_link(public_url: str, alert_id: int) -> str:
    """Where the alerts page opens this alert."""
    return f"{public_url.rstrip('/')}/alerts?{urlencode({'alert': alert_id})}"


def compose(lang: str, alert: AlertFacts, reason: str, public_url: str) -> tuple[str, str]:
    """(title, body) of the message about `alert` for a reader of `lang` (raised, reopened, escalated)."""
    lang = lang if lang in LANGUAGES else "zh_CN"
    what = alert_title(lang, alert.title_key, alert.title_params, alert.title)
    port = _port(lang, alert.port_code, alert.port_name_zh, alert.port_name_en)
    severity = t(lang, f"notifications.severity_{alert.severity}")
    title = t(lang, f"notifications.subject_{reason}", severity=severity, title=what)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    body = "\n".join(
        (
            what,
            t(lang, "notifications.body_port", port=port),
            t(lang, "notifications.body_severity", severity=severity),
            t(lang, "notifications.body_raised", at=fmt_datetime(lang, alert.last_raised_at), count=alert.count),
            t(lang, f"notifications.body_reason_{reason}"),
            t(lang, "notifications.body_link", link=alert_link(public_url, alert.id)),
        )
    )
    return title, body


def assist_link(public_url: str, session_id: int) -> str:
    """Where the remote assistance page opens the request's call."""
    return f"{public_url.rstrip('/')}/remote_assist?{urlencode({'room': session_id})}"


def compose_ring(lang: str, ring: RingFacts, public_url: str) -> tuple[str, str]:
    """(title, body) of the message to an expert rung for a request of remote help, for a reader of `lang`."""
    lang = lang if lang in LANGUAGES else "zh_CN"
    port = _port(lang, ring.port_code, ring.port_name_zh, ring.port_name_en)
    title = t(lang, "notifications.subject_ring", port=port)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    body = "\n".join(
        (
            t(lang, "notifications.body_question", question=ring.question),
            t(lang, "notifications.body_port", port=port),
            t(lang, "notifications.body_declaration", declaration=ring.declaration or "—"),
            t(lang, "notifications.body_assist_link", link=assist_link(public_url, ring.session_id)),
        )
    )
    return title, body


def compose_test(lang: str, public_url: str) -> tuple[str, str]:
    lang = lang if lang in LANGUAGES else "zh_CN"
    return t(lang, "notifications.test_subject"), t(lang, "notifications.test_body", link=public_url)
