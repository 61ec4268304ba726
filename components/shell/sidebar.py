"""The shared sidebar: signed-in user, port filter within the user's scope, language, sign-out."""

from __future__ import annotations

import logging

import streamlit as st

from components.alerts.badge import render_alert_badge
from components.shell import state
from components.shell.login import language_switch
from components.shell.runtime import get_engine, load_ports
from components.shell.state import lang, scope_key, tr
from portsight.services.accounts import SignedIn, sign_out

log = logging.getLogger(__name__)

ALL_PORTS = -1  # the "every port in my scope" choice (widgets need a plain value)


def _on_port() -> None:
    chosen = st.session_state[state.SIDEBAR_PORT]
    st.session_state[state.PORT] = None if chosen == ALL_PORTS else chosen


def _on_language() -> None:
    st.session_state[state.LANG] = st.session_state[state.SIDEBAR_LANG]


def _on_logout() -> None:
    signed_in = st.session_state.get(state.SIGNED_IN)
    if signed_in is not None:
        try:
            sign_out(get_engine(), signed_in.actor)
        except Exception:  # noqa: BLE001 - signing out must work even if the audit write fails
            log.exception("could not record the sign-out")
    for key in (state.SIGNED_IN, state.PORT, state.SIDEBAR_PORT):
        st.session_state.pop(key, None)


def port_label(port: dict) -> str:
    name = port["name_zh"] if lang() == "zh_CN" else port["name_en"]
    return f"{port['code']} · {name}"


def render_sidebar(signed_in: SignedIn) -> None:
    actor = signed_in.actor
    with st.sidebar:
        st.markdown(f"**{signed_in.display_name}**")
        st.caption(f"{tr(f'common.role_{actor.role.value}')} · {actor.username}")

        ports = load_ports(scope_key(actor.port_ids))
        if not ports:
            st.caption(tr("common.no_ports"))
        else:
            by_id = {p["id"]: p for p in ports}
            options = ([ALL_PORTS] if len(ports) > 1 else []) + list(by_id)
            # labels computed now: format_func may be called later, outside this run (AppTest does)
            labels = {ALL_PORTS: tr("common.all_ports")} | {pid: port_label(p) for pid, p in by_id.items()}
            if st.session_state.get(state.PORT) not in by_id:
                st.session_state[state.PORT] = None if len(ports) > 1 else ports[0]["id"]
            current = st.session_state[state.PORT]
            st.session_state.setdefault(state.SIDEBAR_PORT, ALL_PORTS if current is None else current)
            st.selectbox(
                tr("common.port"),
                options,
                format_func=labels.get,
                key=state.SIDEBAR_PORT,
                on_change=_on_port,
            )

        render_alert_badge(actor)
        language_switch(state.SIDEBAR_LANG, _on_language)
        st.button(tr("common.logout"), key=state.SIDEBAR_LOGOUT, on_click=_on_logout, icon=":material/logout:")
