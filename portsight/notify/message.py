"""A notification's text in the recipient's language, with the link that opens the alert."""

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


def alert_link(public_url: str, alert_id: int) -> str:
    """Where the alerts page opens this alert."""
    return f"{public_url.rstrip('/')}/alerts?{urlencode({'alert': alert_id})}"


def compose(lang: str, alert: AlertFacts, reason: str, public_url: str) -> tuple[str, str]:
    """(title, body) of the message about `alert` for a reader of `lang` (raised, reopened, escalated)."""
    lang = lang if lang in LANGUAGES else "zh_CN"
    what = alert_title(lang, alert.title_key, alert.title_params, alert.title)
    port_name = alert.port_name_zh if lang.startswith("zh") else alert.port_name_en
    port = f"{port_name or ''} ({alert.port_code})" if alert.port_code else t(lang, "notifications.no_port")
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


def compose_test(lang: str, public_url: str) -> tuple[str, str]:
    lang = lang if lang in LANGUAGES else "zh_CN"
    return t(lang, "notifications.test_subject"), t(lang, "notifications.test_body", link=public_url)
