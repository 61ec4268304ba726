"""The shared sidebar: signed-in user, port filter within the user's scope, language, sign-out."""

from __future__ import annotations

import html
import logging

import streamlit as st

from components.alerts.badge import render_alert_badge
from components.shell import state
from components.shell.formatting import as_text
from components.shell.login import language_switch
from components.shell.runtime import load_ports
from components.shell.state import lang, scope_key, tr
from portsight.services.accounts import SignedIn
from portsight.web.routes import LOGOUT_PATH

log = logging.getLogger(__name__)

ALL_PORTS = -1  # the "every port in my scope" choice (widgets need a plain value)


def _on_port() -> None:
    chosen = st.session_state[state.SIDEBAR_PORT]
    st.session_state[state.PORT] = None if chosen == ALL_PORTS else chosen


def _on_language() -> None:
    st.session_state[state.LANG] = st.session_state[state.SIDEBAR_LANG]


def render_sign_out() -> None:
    """Sign-out is a form POSTed to /logout by the browser itself: the server ends the session
    (every tab of it then signs out on its next action), the browser drops the cookie and lands
    on the sign-in page. A Streamlit button could do neither: its click travels over the
    websocket, which cannot set a cookie or move the browser."""
    label = html.escape(tr("common.logout"))
    with st.container(key=state.SIDEBAR_LOGOUT):
        st.markdown(
            f'<form method="post" action="{LOGOUT_PATH}" class="portsight-logout">'
            f'<button type="submit" kind="secondary">{label}</button></form>',
            unsafe_allow_html=True,
        )


def port_label(port: dict) -> str:
    name = port["name_zh"] if lang() == "zh_CN" else port["name_en"]
    return f"{port['code']} · {name}"


def render_sidebar(signed_in: SignedIn) -> None:
    actor = signed_in.actor
    with st.sidebar:
        st.markdown(f"**{as_text(signed_in.display_name)}**")
        st.caption(f"{tr(f'common.role_{actor.role.value}')} · {as_text(actor.username)}")

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
        render_sign_out()
