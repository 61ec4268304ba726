"""One message to one address through Apprise, with a time limit; the error text when it fails.

The addresses people enter (portsight.domain.notifications) are turned into Apprise URLs here:
an e-mail address goes through the configured SMTP server (mailto/mailtos), a webhook URL
becomes Apprise's JSON POST (json/jsons), a robot's webhook URL its key or token
(wecombot://KEY, dingtalk://TOKEN/, feishu://TOKEN).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import apprise

from portsight.config import SmtpSettings
from portsight.domain.notifications import robot_key

TIMEOUT_SECONDS = 10  # connect and read, per message: one slow endpoint does not hold up the rest
MAX_ERROR = 1000


class NotSendable(ValueError):
    """The channel cannot be used (no SMTP server configured, an address Apprise refuses)."""


def apprise_url(channel: str, target: str, smtp: SmtpSettings, timeout: float = TIMEOUT_SECONDS) -> str:
    limits = {"cto": str(timeout), "rto": str(timeout)}
    if channel == "email":
        if not smtp.host:
            raise NotSendable("no SMTP server is configured (PORTSIGHT_SMTP_HOST)")
        schema = "mailto" if smtp.security == "none" else "mailtos"
        login = f"{quote(smtp.user, safe='')}:{quote(smtp.password, safe='')}@" if smtp.user else ""
        query = {
            "smtp": smtp.host,
            "from": smtp.sender,
            "to": target,
            "mode": "insecure" if smtp.security == "none" else smtp.security,
            **limits,
        }
        return f"{schema}://{login}{smtp.host}:{smtp.port}?{urlencode(query)}"
    if channel == "webhook":
        parts = urlsplit(target)
        schema = "jsons" if parts.scheme == "https" else "json"
        # Apprise reads "-name=value" as the endpoint's own query parameter
        own = [(f"-{name}", value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
        return f"{schema}://{parts.netloc}{quote(parts.path or '/', safe='/')}?{urlencode(own + list(limits.items()))}"
    key = robot_key(channel, target)
    if key is None:
        raise NotSendable(f"not a {channel} robot webhook URL")
    schema = {"wecom": "wecombot", "dingtalk": "dingtalk", "feishu": "feishu"}[channel]
    path = f"{key}/" if channel == "dingtalk" else key
    return f"{schema}://{path}?{urlencode(limits)}"


def deliver(url: str, title: str, body: str) -> str | None:
    """Send; None when the service accepted the message, else what went wrong."""
    sender = apprise.Apprise()
    if not sender.add(url):
        return "the address was not accepted"
    with apprise.LogCapture(level=logging.WARNING) as logs:
        ok = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return None
    text = logs.getvalue().strip() if hasattr(logs, "getvalue") else ""
    return (text or "not delivered")[-MAX_ERROR:]
