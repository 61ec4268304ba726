"""The notifications page under AppTest, in Chinese and English, by widget key: a supervisor adds a
subscription (a hostile address is refused in the reader's language) and silences a port; an
administrator also sees the delivery log with a failure's attempts and last error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from portsight.clock import utcnow
from portsight.db.models import (
    Alert,
    AlertSilence,
    AssistRing,
    AssistSession,
    AuditEntry,
    NotificationDelivery,
    NotificationSubscription,
    User,
)
from portsight.db.session import make_engine
from portsight.i18n import t
from tests.pages.conftest import errors, login

PAGE = "pages/notifications.py"


def open_page(new_app, lang: str, username: str):
    at = login(new_app(), username)
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rows_of(url: str, stmt) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


def write(url: str, table, values: dict) -> int:
    engine = make_engine(url)
    with engine.begin() as conn:
        new_id = conn.execute(insert(table).returning(table.c.id), [values]).scalar_one()
    engine.dispose()
    return new_id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_supervisor_subscribes_and_a_hostile_address_is_refused_in_their_language(new_app, app_db, lang):
    url = app_db[1]
    at = open_page(new_app, lang, "supervisor.sgh")
    assert at.title[0].value == t(lang, "notifications.title")
    assert [tab.label for tab in at.tabs] == [
        t(lang, "notifications.tab_subscriptions"),
        t(lang, "notifications.tab_silences"),
    ]

    at.selectbox(key="notifications.channel").set_value("webhook")
    at.text_input(key="notifications.target").input("file:///etc/passwd")
    at.button(key="notifications.add").click().run()
    assert errors(at) == [t(lang, "notifications.address_url_scheme")]

    address = f"wang.{lang}@example.org"
    at.selectbox(key="notifications.channel").set_value("email")
    at.text_input(key="notifications.target").input(address)
    at.button(key="notifications.add").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [t(lang, "notifications.saved")]
    [(channel, min_severity, ports)] = rows_of(
        url,
        select(
            NotificationSubscription.channel, NotificationSubscription.min_severity, NotificationSubscription.port_ids
        )
        .join(User, User.id == NotificationSubscription.user_id)
        .where(NotificationSubscription.target == address, User.username == "supervisor.sgh"),
    )
    assert (channel, min_severity, ports) == ("email", "high", None)
    assert address in [text.value for text in at.text]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_port_supervisor_silences_their_port_not_every_port(new_app, app_db, lang):
    url = app_db[1]
    at = open_page(new_app, lang, "supervisor.sgh")
    ports = at.selectbox(key="notifications.silence_port").options
    assert len(ports) == 1 and "CNSGH" in ports[0]
    at.button(key="notifications.silence_create").click().run()
    assert errors(at) == [t(lang, "notifications.refused_reason")]
    reason = f"crane maintenance ({lang})"
    at.text_area(key="notifications.silence_reason").input(reason)
    at.button(key="notifications.silence_create").click().run()
    assert not errors(at)
    [silence_id] = rows_of(url, select(AlertSilence.id).where(AlertSilence.reason == reason))
    assert any(reason in md.value.replace("\\", "") for md in at.markdown)
    at.button(key=f"notifications.silence_end.{silence_id[0]}").click().run()
    assert not errors(at)
    assert rows_of(url, select(AlertSilence.ended_at).where(AlertSilence.id == silence_id[0]))[0][0] is not None
    actions = rows_of(
        url,
        select(AuditEntry.action).where(
            AuditEntry.entity == "alert_silence", AuditEntry.entity_id == str(silence_id[0])
        ),
    )
    assert sorted(a for (a,) in actions) == ["create", "end"]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_administrator_sees_failed_deliveries_with_attempts_and_last_error(new_app, app_db, lang):
    url = app_db[1]
    now = utcnow()
    [(admin_id,)] = rows_of(url, select(User.id).where(User.username == "admin"))
    alert = rows_of(url, select(Alert.id).limit(1))[0][0]
    sub = write(
        url,
        NotificationSubscription.__table__,
        {
            "user_id": admin_id,
            "channel": "webhook",
            "target": "https://hooks.example.org/secret-path?token=abc",
            "min_severity": "high",
            "active": True,
            "created_at": now,
            "changed_at": now,
        },
    )
    write(
        url,
        NotificationDelivery.__table__,
        {
            "alert_id": alert,
            "subscription_id": sub,
            "reason": "raised",
            "alert_count": 100 + len(lang),
            "status": "failed",
            "attempts": 5,
            "last_error": "Failed to send JSON POST notification: error=500.",
            "created_at": now - timedelta(hours=2),
        },
    )
    at = open_page(new_app, lang, "admin")
    assert [tab.label for tab in at.tabs][-1] == t(lang, "notifications.tab_log")
    at.selectbox(key="notifications.log_status").set_value("failed").run()
    [table] = [df.value for df in at.dataframe]
    row = table.iloc[0]
    assert row[t(lang, "notifications.col_status")] == t(lang, "notifications.status_failed")
    assert row[t(lang, "notifications.col_attempts")] == 5
    assert "error=500" in row[t(lang, "notifications.col_error")]
    assert row[t(lang, "notifications.col_target")] == "https://hooks.example.org/…"  # the secret path is not shown


def test_the_delivery_log_shows_a_ring_of_an_expert_beside_the_alerts(new_app, app_db):
    url = app_db[1]
    now = utcnow()
    [(admin_id,)] = rows_of(url, select(User.id).where(User.username == "admin"))
    request = rows_of(url, select(AssistSession.id).order_by(AssistSession.id.desc()).limit(1))[0][0]
    ring = write(url, AssistRing.__table__, {"session_id": request, "user_id": admin_id, "circle": 0, "rung_at": now})
    sub = write(
        url,
        NotificationSubscription.__table__,
        {
            "user_id": admin_id,
            "channel": "webhook",
            "target": "https://hooks.example.org/ring",
            "min_severity": "high",
            "active": True,
            "created_at": now,
            "changed_at": now,
        },
    )
    write(
        url,
        NotificationDelivery.__table__,
        {
            "assist_ring_id": ring,
            "subscription_id": sub,
            "reason": "ring",
            "alert_count": 0,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now + timedelta(days=365),  # not sent by a background run during the test
            "created_at": now,
        },
    )
    at = open_page(new_app, "zh_CN", "admin")
    at.selectbox(key="notifications.log_status").set_value("pending").run()
    assert not at.exception, [e.message for e in at.exception]
    [table] = [df.value for df in at.dataframe]
    row = table.iloc[0]
    assert row[t("zh_CN", "notifications.col_reason")] == "呼叫专家"
    assert row[t("zh_CN", "notifications.col_assist")] == f"#{request}"
    assert row[t("zh_CN", "notifications.col_alert")] == ""


def test_an_expert_subscribes_to_be_rung_and_sees_nothing_of_alerts(new_app, app_db):
    url = app_db[1]
    at = open_page(new_app, "en", "expert")
    assert [tab.label for tab in at.tabs] == [t("en", "notifications.tab_subscriptions")]  # no silences
    assert t("en", "notifications.expert_intro") in [c.value for c in at.caption]
    keys = {w.key for w in at.selectbox} | {w.key for w in at.multiselect}
    assert "notifications.severity" not in keys and "notifications.kinds" not in keys

    at.selectbox(key="notifications.channel").set_value("webhook")
    at.text_input(key="notifications.target").input("https://hooks.example.org/expert")
    at.button(key="notifications.add").click().run()
    assert not at.exception and not errors(at)
    [(username,)] = rows_of(
        url,
        select(User.username)
        .join(NotificationSubscription, NotificationSubscription.user_id == User.id)
        .where(NotificationSubscription.target == "https://hooks.example.org/expert"),
    )
    assert username == "expert"
