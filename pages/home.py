"""Home: what each role needs first when signing in, from the database."""

from __future__ import annotations

import streamlit as st

from components.home import charts
from components.home.data import (
    load_inspection_states_today,
    load_my_assigned_inspections,
    load_open_alerts_by_severity,
    load_receipts_today,
    load_waiting_assist_requests,
)
from components.shell.formatting import step_title
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, localise_times, render_empty, severity_label, state_label
from portsight.domain.access import Actor, Role
from portsight.domain.inspection import InspectionState

actor = require_page("home")
scope = scope_key(current_scope())

st.title(tr("home.title"))


def render_supervision(actor: Actor) -> None:
    st.subheader(tr("home.states_today"))
    states = load_inspection_states_today(scope)
    if states.empty:
        render_empty("home.no_inspections")
    else:
        totals = states.groupby("state")["count"].sum()
        shown = [s for s in InspectionState if s.value in totals.index]
        for col, s in zip(st.columns(len(shown)), shown, strict=True):
            col.metric(state_label(s.value), int(totals[s.value]))
        labels = {s.value: state_label(s.value) for s in InspectionState}
        st.plotly_chart(charts.inspection_states_chart(states, labels), key="home.states_chart")

    st.subheader(tr("home.open_alerts"))
    alerts = load_open_alerts_by_severity(scope)
    if alerts.empty:
        render_empty("home.no_alerts")
    else:
        for col, row in zip(st.columns(len(alerts)), alerts.itertuples(), strict=True):
            col.metric(severity_label(row.severity), int(row.count))


def render_inspector(actor: Actor) -> None:
    st.subheader(tr("home.my_inspections"))
    mine = load_my_assigned_inspections(actor.user_id)
    if mine.empty:
        render_empty("home.no_assigned")
        return
    mine = localise_times(mine, "assigned_at")
    mine["state"] = mine["state"].map(state_label)
    st.dataframe(
        mine,
        hide_index=True,
        column_config={
            "inspection_id": tr("home.col_inspection"),
            "declaration": tr("home.col_declaration"),
            "port": tr("common.port"),
            "state": tr("home.col_state"),
            "priority": tr("home.col_priority"),
            "position": tr("home.col_position"),
            "assigned_at": tr("home.col_assigned_at"),
        },
    )


def render_expert(actor: Actor) -> None:
    st.subheader(tr("home.waiting_assist"))
    waiting = load_waiting_assist_requests(scope)
    if waiting.empty:
        render_empty("home.no_waiting_assist")
        return
    st.metric(tr("home.waiting_count"), len(waiting))
    shown = localise_times(waiting, "requested_at")
    shown["step"] = shown["step"].map(lambda key: step_title(lang(), key))
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "request_id": tr("home.col_request"),
            "port": tr("common.port"),
            "declaration": tr("home.col_declaration"),
            "step": tr("home.col_step"),
            "expertise": tr("home.col_expertise"),
            "question": tr("home.col_question"),
            "requested_at": tr("home.col_requested_at"),
        },
    )


def render_gate(actor: Actor) -> None:
    st.subheader(tr("home.receipts_today"))
    counts = load_receipts_today(scope)
    issued, used = st.columns(2)
    issued.metric(tr("home.receipts_issued"), counts["issued"])
    used.metric(tr("home.receipts_used"), counts["used"])
    if counts["issued"] == 0 and counts["used"] == 0:
        render_empty("home.no_receipts")


PANELS = {
    Role.SUPERVISOR: render_supervision,
    Role.ADMIN: render_supervision,
    Role.INSPECTOR: render_inspector,
    Role.EXPERT: render_expert,
    Role.GATE: render_gate,
}

if scope == ():
    render_empty("home.no_port_scope")
else:
    guarded(lambda: PANELS[actor.role](actor))
