"""Cached readers and write wrappers of the notifications page: the signed-in person's
subscriptions, the silences of their ports, the delivery log for administrators, and a test
message sent at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import streamlit as st

from components.shell.runtime import get_engine, get_settings, load_ports
from portsight.clock import utcnow
from portsight.domain.access import Actor
from portsight.notify import send_test
from portsight.queries import notifications as notification_queries
from portsight.services import notifications as notification_services

__all__ = [
    "add_silence",
    "add_subscription",
    "change_subscription",
    "end_silence",
    "load_alert_kinds",
    "load_delivery_log",
    "load_ports",
    "load_silences",
    "load_subscriptions",
    "send_test_message",
]


@st.cache_data(ttl=30, show_spinner=False)
def load_subscriptions(actor: Actor) -> list[dict]:
    return notification_queries.my_subscriptions(get_engine(), actor)


@st.cache_data(ttl=30, show_spinner=False)
def load_silences(actor: Actor) -> list[dict]:
    return notification_queries.silences(get_engine(), actor, utcnow())


@st.cache_data(ttl=30, show_spinner=False)
def load_delivery_log(actor: Actor, status: str | None) -> list[dict]:
    return notification_queries.delivery_log(get_engine(), actor, status=status)


@st.cache_data(ttl=300, show_spinner=False)
def load_alert_kinds() -> list[str]:
    return notification_queries.alert_kinds(get_engine())


def add_subscription(
    actor: Actor, *, channel: str, target: str, min_severity: str, port_ids: Iterable[int] | None, kinds: list[str]
) -> int:
    created = notification_services.create_subscription(
        get_engine(), actor, channel=channel, target=target, min_severity=min_severity, port_ids=port_ids, kinds=kinds
    )
    load_subscriptions.clear()
    return created


def change_subscription(
    actor: Actor,
    subscription_id: int,
    *,
    target: str,
    min_severity: str,
    port_ids: Iterable[int] | None,
    kinds: list[str],
    active: bool,
) -> None:
    notification_services.change_subscription(
        get_engine(),
        actor,
        subscription_id,
        target=target,
        min_severity=min_severity,
        port_ids=port_ids,
        kinds=kinds,
        active=active,
    )
    load_subscriptions.clear()


def add_silence(
    actor: Actor, *, kind: str | None, port_id: int | None, starts_at: datetime, ends_at: datetime, reason: str
) -> int:
    created = notification_services.create_silence(
        get_engine(), actor, kind=kind, port_id=port_id, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    load_silences.clear()
    return created


def end_silence(actor: Actor, silence_id: int) -> None:
    notification_services.end_silence(get_engine(), actor, silence_id)
    load_silences.clear()


def send_test_message(actor: Actor, subscription_id: int, language: str) -> str | None:
    """Send a test message now to one of the person's own subscriptions (its stored, checked
    address only); the error, if any."""
    mine = {s["id"]: s for s in notification_queries.my_subscriptions(get_engine(), actor)}
    sub = mine[int(subscription_id)]
    return send_test(sub["channel"], sub["target"], language, get_settings())
