"""Notifications (预警通知): my subscriptions (add, change, switch off, send a test), silences of my
ports (running and scheduled: set, end now), and for administrators the delivery log with its
failures (status, attempts, last error, next attempt)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.notifications.data import (
    add_silence,
    add_subscription,
    change_subscription,
    end_silence,
    load_alert_kinds,
    load_delivery_log,
    load_ports,
    load_silences,
    load_subscriptions,
    send_test_message,
)
from components.shell.formatting import as_text
from components.shell.state import lang, require_page, scope_key, tr
from components.shell.widgets import flash, fmt_time, guarded, render_empty, show_flash
from portsight.clock import LOCAL_TZ, utcnow
from portsight.domain.access import Role
from portsight.domain.notifications import CHANNELS, DELIVERY_STATUSES, MAX_TARGET
from portsight.domain.rulebook import SEVERITIES

actor = require_page("notifications")

# Widget keys of this page
FLASH = "notifications.flash"
CHANNEL = "notifications.channel"
TARGET = "notifications.target"
SEVERITY = "notifications.severity"
EVERY_PORT = "notifications.every_port"
PORTS = "notifications.ports"
KINDS = "notifications.kinds"
ADD = "notifications.add"
SILENCE_KIND = "notifications.silence_kind"
SILENCE_PORT = "notifications.silence_port"
SILENCE_STARTS_DAY = "notifications.silence_starts_day"
SILENCE_STARTS_TIME = "notifications.silence_starts_time"
SILENCE_HOURS = "notifications.silence_hours"
SILENCE_REASON = "notifications.silence_reason"
SILENCE_CREATE = "notifications.silence_create"
LOG_STATUS = "notifications.log_status"


def sub_key(name: str, subscription_id: int) -> str:
    return f"notifications.{name}.{subscription_id}"


zone = ZoneInfo(LOCAL_TZ)
is_admin = actor.role == Role.ADMIN
rung_only = actor.role == Role.EXPERT  # an expert is reached for requests of help, not alerts
ports = load_ports(scope_key(actor.port_ids))
port_labels = {p["id"]: f"{p['code']} {p['name_zh'] if lang() == 'zh_CN' else p['name_en']}" for p in ports}
kinds_known = load_alert_kinds()
channel_labels = {c: tr(f"notifications.channel_{c}") for c in CHANNELS}
severity_labels = {s: tr(f"notifications.severity_{s}") for s in SEVERITIES}

st.title(tr("notifications.title"))
st.caption(tr("notifications.expert_intro" if rung_only else "notifications.intro"))
show_flash(FLASH)


def port_choice(every: bool, chosen: list[int]) -> list[int] | None:
    return None if every else chosen


def render_subscription(sub: dict) -> None:
    ports_text = (
        tr("notifications.every_port")
        if sub["port_ids"] is None
        else ", ".join(port_labels.get(p, str(p)) for p in sub["port_ids"])
    )
    kinds_text = tr("notifications.every_kind") if not sub["kinds"] else ", ".join(sub["kinds"])
    state = "" if sub["active"] else f" · {tr('notifications.active')}: ✗"
    heading = (
        f"{channel_labels.get(sub['channel'], sub['channel'])} · {severity_labels.get(sub['min_severity'])}{state}"
    )
    with st.expander(as_text(heading)):
        st.text(sub["target"])
        st.caption(as_text(f"{ports_text} · {kinds_text}"))
        sid = sub["id"]
        with st.form(sub_key("form", sid)):
            target = st.text_input(tr("notifications.target"), value=sub["target"], max_chars=MAX_TARGET,
                                   key=sub_key("target", sid))  # fmt: skip
            severity = sub["min_severity"] if rung_only else st.selectbox(
                tr("notifications.min_severity"), list(SEVERITIES), index=SEVERITIES.index(sub["min_severity"]),
                format_func=severity_labels.get, key=sub_key("severity", sid))  # fmt: skip
            every = st.checkbox(tr("notifications.all_my_ports"), value=sub["port_ids"] is None,
                                key=sub_key("every", sid))  # fmt: skip
            chosen = st.multiselect(tr("notifications.ports"), list(port_labels), format_func=port_labels.get,
                                    default=[p for p in sub["port_ids"] or [] if p in port_labels],
                                    key=sub_key("ports", sid))  # fmt: skip
            kinds = sub["kinds"] or [] if rung_only else st.multiselect(
                tr("notifications.kinds"), sorted({*kinds_known, *(sub["kinds"] or [])}), default=sub["kinds"] or [],
                key=sub_key("kinds", sid))  # fmt: skip
            active = st.checkbox(tr("notifications.active"), value=bool(sub["active"]), key=sub_key("active", sid))
            if st.form_submit_button(tr("notifications.save"), key=sub_key("save", sid)):
                done = guarded(
                    lambda: (
                        change_subscription(
                            actor,
                            sid,
                            target=target,
                            min_severity=severity,
                            port_ids=port_choice(every, chosen),
                            kinds=kinds,
                            active=active,
                        )
                        or True
                    )
                )
                if done:
                    flash(FLASH, tr("notifications.saved"))
        if st.button(tr("notifications.test_send"), key=sub_key("test", sid)):
            error = guarded(lambda: send_test_message(actor, sid, lang()) or "")
            if error == "":
                st.success(tr("notifications.test_sent"))
            elif error is not None:
                st.error(as_text(tr("notifications.test_failed", error=error)))


def render_subscriptions() -> None:
    subs = load_subscriptions(actor)
    if not subs:
        render_empty("notifications.none_yet")
    for sub in subs:
        render_subscription(sub)
    st.subheader(tr("notifications.add"))
    with st.form("notifications.add_form"):
        channel = st.selectbox(tr("notifications.channel"), list(CHANNELS), format_func=channel_labels.get,
                               key=CHANNEL)  # fmt: skip
        target = st.text_input(tr("notifications.target"), max_chars=MAX_TARGET, help=tr("notifications.target_help"),
                               key=TARGET)  # fmt: skip
        severity = SEVERITIES[-1] if rung_only else st.selectbox(
            tr("notifications.min_severity"), list(SEVERITIES), index=len(SEVERITIES) - 1,
            format_func=severity_labels.get, key=SEVERITY)  # fmt: skip
        every = st.checkbox(tr("notifications.all_my_ports"), value=True, key=EVERY_PORT)
        chosen = st.multiselect(tr("notifications.ports"), list(port_labels), format_func=port_labels.get, key=PORTS)
        kinds = [] if rung_only else st.multiselect(tr("notifications.kinds"), kinds_known, key=KINDS)
        if st.form_submit_button(tr("notifications.add"), type="primary", key=ADD):
            created = guarded(
                lambda: add_subscription(
                    actor,
                    channel=channel,
                    target=target,
                    min_severity=severity,
                    port_ids=port_choice(every, chosen),
                    kinds=kinds,
                )
            )
            if created is not None:
                flash(FLASH, tr("notifications.saved"))


def render_silences() -> None:
    rows = load_silences(actor)
    if not rows:
        render_empty("notifications.silences_none")
    for row in rows:
        line = tr(
            "notifications.silence_line",
            state=tr("notifications.silence_running" if row["running"] else "notifications.silence_scheduled"),
            kind=row["kind"] or tr("notifications.every_kind"),
            port=port_labels.get(row["port_id"], row["port_code"])
            if row["port_id"]
            else tr("notifications.every_port"),
            starts=fmt_time(row["starts_at"]),
            ends=fmt_time(row["ends_at"]),
            reason=row["reason"],
            by=row["created_by"] or "—",
        )
        left, right = st.columns([5, 1])
        left.markdown(as_text(line))
        may_end = actor.port_ids is None or row["port_id"] is not None  # every port's silence: national only
        if may_end and right.button(tr("notifications.silence_end"), key=f"notifications.silence_end.{row['id']}"):
            if guarded(lambda silence_id=row["id"]: end_silence(actor, silence_id) or True):
                flash(FLASH, tr("notifications.silence_ended"))
    st.subheader(tr("notifications.silence_create"))
    silence_ports: dict[int | None, str] = {} if actor.port_ids is not None else {None: tr("notifications.every_port")}
    silence_ports |= port_labels
    now_local = utcnow().astimezone(zone)
    with st.form("notifications.silence_form"):
        kind = st.selectbox(tr("notifications.silence_kind"), ["", *kinds_known], key=SILENCE_KIND)
        port_id = st.selectbox(tr("notifications.silence_port"), list(silence_ports), format_func=silence_ports.get,
                               key=SILENCE_PORT)  # fmt: skip
        left, middle, right = st.columns(3)
        day = left.date_input(tr("notifications.silence_starts"), value=now_local.date(), key=SILENCE_STARTS_DAY)
        start_time = now_local.time().replace(second=0, microsecond=0)
        at = middle.time_input(tr("notifications.silence_starts"), value=start_time, key=SILENCE_STARTS_TIME,
                               label_visibility="hidden")  # fmt: skip
        hours = right.number_input(tr("notifications.silence_hours"), min_value=1, max_value=24 * 90, value=2,
                                   key=SILENCE_HOURS)  # fmt: skip
        reason = st.text_area(tr("notifications.silence_reason"), max_chars=1000, key=SILENCE_REASON)
        if st.form_submit_button(tr("notifications.silence_create"), type="primary", key=SILENCE_CREATE):
            starts = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
            created = guarded(
                lambda: add_silence(
                    actor,
                    kind=kind or None,
                    port_id=port_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=int(hours)),
                    reason=reason,
                )
            )
            if created is not None:
                flash(FLASH, tr("notifications.silence_created"))


def render_log() -> None:
    labels: dict[str | None, str] = {None: tr("notifications.log_all")}
    labels |= {s: tr(f"notifications.status_{s}") for s in DELIVERY_STATUSES}
    status = st.selectbox(tr("notifications.log_status"), list(labels), format_func=labels.get, key=LOG_STATUS)
    rows = load_delivery_log(actor, status)
    if not rows:
        render_empty("notifications.log_none")
        return
    table = pd.DataFrame(
        {
            tr("notifications.col_created"): [fmt_time(r["created_at"]) for r in rows],
            tr("notifications.col_alert"): ["" if r["alert_id"] is None else f"#{r['alert_id']}" for r in rows],
            tr("notifications.col_assist"): ["" if r["assist_id"] is None else f"#{r['assist_id']}" for r in rows],
            tr("notifications.col_reason"): [tr(f"notifications.reason_{r['reason']}") for r in rows],
            tr("notifications.col_status"): [tr(f"notifications.status_{r['status']}") for r in rows],
            tr("notifications.col_attempts"): [r["attempts"] for r in rows],
            tr("notifications.col_next"): [fmt_time(r["next_attempt_at"]) for r in rows],
            tr("notifications.col_error"): [r["last_error"] or "" for r in rows],
            tr("notifications.col_user"): [r["username"] for r in rows],
            tr("notifications.col_channel"): [channel_labels.get(r["channel"], r["channel"]) for r in rows],
            tr("notifications.col_target"): [r["target"] for r in rows],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


names = ["notifications.tab_subscriptions"] + ([] if rung_only else ["notifications.tab_silences"])
names += ["notifications.tab_log"] if is_admin else []
tabs = st.tabs([tr(n) for n in names])
with tabs[0]:
    render_subscriptions()
if not rung_only:
    with tabs[1]:
        render_silences()
if is_admin:
    with tabs[2]:
        render_log()
