"""Duty roster: who is on duty at which port and when; declared conflicts of interest."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from components.selection.data import (
    declare_conflict,
    load_conflicts,
    load_enterprises,
    load_on_duty_now,
    load_port_inspectors,
    load_ports,
    load_roster,
    remove_duty_shift,
    set_duty_shift,
)
from components.shell.names import enterprise_name, enterprise_names
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import flash, guarded, localise_times, render_empty, show_flash
from portsight.clock import LOCAL_TZ

actor = require_page("roster")

# Widget keys of this page
FLASH = "roster.flash"  # a success message shown after the rerun that follows a write
PORT = "roster.port"
WEEK = "roster.week"
ADD_FORM = "roster.add_form"
INSPECTOR = "roster.inspector"
DAY = "roster.day"
START = "roster.start"
HOURS = "roster.hours"
ADD = "roster.add"
SHIFT = "roster.shift"
REMOVE = "roster.remove"
CONFLICT_INSPECTOR = "roster.conflict_inspector"
CONFLICT_SEARCH = "roster.conflict_search"
CONFLICT_ENTERPRISE = "roster.conflict_enterprise"
CONFLICT_REASON = "roster.conflict_reason"
CONFLICT_SAVE = "roster.conflict_save"

scope = scope_key(current_scope())
zone = ZoneInfo(LOCAL_TZ)


def render_shifts(port_id: int) -> None:
    today = datetime.now(zone).date()
    week = st.date_input(tr("selection.roster_week"), value=today - timedelta(days=today.weekday()), key=WEEK)
    st.metric(tr("selection.roster_on_duty_now", n=len(load_on_duty_now(port_id))), len(load_on_duty_now(port_id)))
    st.subheader(tr("selection.roster_shifts"))
    shifts = load_roster(port_id, week)
    if shifts.empty:
        render_empty("selection.roster_no_shifts")
    else:
        st.dataframe(
            localise_times(shifts.drop(columns=["port_id", "user_id"]), "starts_at", "ends_at"),
            hide_index=True,
            key="roster.table",
            column_config={
                "shift_id": tr("selection.col_shift"),
                "port": tr("selection.col_port"),
                "inspector": tr("selection.col_inspector"),
                "starts_at": tr("selection.col_starts_at"),
                "ends_at": tr("selection.col_ends_at"),
            },
        )

    inspectors = load_port_inspectors(port_id)
    st.subheader(tr("selection.roster_add"))
    if inspectors.empty:
        render_empty("selection.roster_no_inspectors")
        return
    names = dict(zip(inspectors["user_id"].astype(int), inspectors["display_name"], strict=True))
    with st.form(ADD_FORM):
        user_id = st.selectbox(tr("selection.roster_inspector"), list(names), format_func=names.get, key=INSPECTOR)
        a, b, c = st.columns(3)
        day = a.date_input(tr("selection.roster_day"), value=today, key=DAY)
        start = b.time_input(tr("selection.roster_start"), value=time(8, 0), key=START)
        hours = c.number_input(tr("selection.roster_hours"), min_value=1, max_value=24, value=12, key=HOURS)
        if st.form_submit_button(tr("selection.roster_save"), type="primary"):
            starts = datetime.combine(day, start, tzinfo=zone)
            saved = guarded(
                lambda: set_duty_shift(actor, user_id, port_id, starts, starts + timedelta(hours=int(hours)))
            )
            if saved is not None:
                flash(FLASH, tr("selection.roster_saved"))

    if not shifts.empty:
        st.subheader(tr("selection.roster_remove"))
        labels = {
            int(r.shift_id): f"{r.shift_id} · {r.inspector} · {r.starts_at.astimezone(zone):%m-%d %H:%M}"
            for r in shifts.itertuples()
        }
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        shift_id = left.selectbox(tr("selection.roster_shift"), list(labels), format_func=labels.get, key=SHIFT)
        if right.button(tr("selection.roster_remove_button"), key=REMOVE):
            if guarded(lambda: remove_duty_shift(actor, shift_id) or True):
                flash(FLASH, tr("selection.roster_removed"))


def render_conflicts(port_id: int) -> None:
    st.subheader(tr("selection.conflicts"))
    declared = load_conflicts(scope)
    if declared.empty:
        render_empty("selection.no_conflicts")
    else:
        st.dataframe(
            enterprise_names(localise_times(declared.drop(columns=["conflict_id"]), "declared_at")),
            hide_index=True,
            key="roster.conflicts_table",
            column_config={
                "inspector": tr("selection.col_inspector"),
                "enterprise": tr("selection.col_enterprise"),
                "reason": tr("selection.col_reason"),
                "declared_at": tr("selection.col_declared"),
            },
        )
    inspectors = load_port_inspectors(port_id)
    if inspectors.empty:
        return
    st.markdown(f"**{tr('selection.conflict_declare')}**")
    names = dict(zip(inspectors["user_id"].astype(int), inspectors["display_name"], strict=True))
    user_id = st.selectbox(tr("selection.roster_inspector"), list(names), format_func=names.get,
                           key=CONFLICT_INSPECTOR)  # fmt: skip
    text = st.text_input(tr("selection.conflict_search"), key=CONFLICT_SEARCH)
    if not text.strip():
        return
    found = load_enterprises(text.strip())
    if not found:
        render_empty("selection.conflict_no_match")
        return
    labels = {e["id"]: f"{enterprise_name(e['name'])} ({e['uscc']})" for e in found}
    enterprise_id = st.selectbox(tr("selection.conflict_enterprise"), list(labels), format_func=labels.get,
                                 key=CONFLICT_ENTERPRISE)  # fmt: skip
    reason = st.text_input(tr("selection.conflict_reason"), max_chars=200, key=CONFLICT_REASON)
    if st.button(tr("selection.conflict_save"), key=CONFLICT_SAVE, type="primary"):
        if guarded(lambda: declare_conflict(actor, user_id, enterprise_id, reason)):
            flash(FLASH, tr("selection.conflict_saved"))


st.title(tr("selection.roster_title"))
st.caption(tr("selection.roster_intro"))
show_flash(FLASH)
ports = load_ports(scope) if scope != () else []
if not ports:
    render_empty("selection.no_port_scope")
else:
    names = {p["id"]: f"{p['code']} {p['name_zh'] if lang() == 'zh_CN' else p['name_en']}" for p in ports}
    port_id = st.selectbox(tr("selection.port"), list(names), format_func=names.get, key=PORT)
    guarded(lambda: render_shifts(port_id))
    guarded(lambda: render_conflicts(port_id))
