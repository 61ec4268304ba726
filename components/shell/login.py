"""The signed-out view: what a run shows when the browser's session cookie signs nobody in.

Signing in happens on the sign-in page (/login, portsight/web), outside Streamlit: the password
never travels over the websocket and the session cookie is HttpOnly. A page load without a live
session is redirected there before Streamlit runs at all, so this view is seen by a tab whose
session ended while it was open (signed out elsewhere, deactivated, timed out): it says so and
links to the sign-in page for the same URL.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from components.shell import state
from components.shell.password_change import render_password_change
from components.shell.runtime import database_problem
from components.shell.state import lang, tr
from portsight.i18n import LANGUAGES
from portsight.services.accounts import SignedIn
from portsight.web.page import LANGUAGE_NAMES, RUN_COMMAND, UPGRADE_COMMAND
from portsight.web.routes import LOGIN_PATH, safe_next


def _language_changed(widget_key: str) -> None:
    st.session_state[state.LANG] = st.session_state[widget_key]


def _on_login_language() -> None:
    _language_changed(state.LOGIN_LANG)


def language_switch(widget_key: str, on_change) -> None:
    # The default is the session's language on every run (not a value put in session state once):
    # when Streamlit sees the radio as a new widget (its id changes after the first run of a
    # process, in legacy multipage mode), it starts from the language in use, not from the first option.
    st.radio(
        tr("common.language"),
        LANGUAGES,
        index=LANGUAGES.index(lang()),
        format_func=LANGUAGE_NAMES.get,
        key=widget_key,
        horizontal=True,
        on_change=on_change,
    )


def render_database_problem(problem: tuple[str, str]) -> None:
    kind, url = problem
    st.error(
        tr(f"login.db_{kind}", url=url, upgrade=UPGRADE_COMMAND, run=RUN_COMMAND),
        icon=":material/database:",
    )


def current_path() -> str:
    """This run's path and query (what the sign-in page should come back to), "/" when unknown."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser request behind this run (AppTest, health check)
        url = None
    if not url:
        return "/"
    parts = urlsplit(url)
    return safe_next((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))


def sign_in_url() -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': current_path(), 'lang': lang()})}"


def render_login() -> None:
    state.init()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(tr("common.app_name"))
        st.caption(tr("login.subtitle"))
        language_switch(state.LOGIN_LANG, _on_login_language)

        problem = database_problem()
        if problem is not None:
            render_database_problem(problem)
            return

        st.info(tr("login.signed_out"), icon=":material/lock:")
        # A plain link in this tab (target _self): Streamlit opens Markdown links in a new tab.
        with st.container(key=state.LOGIN_LINK):
            st.markdown(
                f'<a href="{html.escape(sign_in_url())}" target="_self">{html.escape(tr("login.go_to_sign_in"))}</a>',
                unsafe_allow_html=True,
            )


def render_password_change_view(signed_in: SignedIn) -> None:
    """An account that must change its password sees only this, on every URL, until it has."""
    render_password_change(signed_in)
