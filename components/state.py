"""Session-state keys (constants, prefixed by page), translation for the current language, and the page guard.

Keys are initialised with setdefault so every page also runs alone (AppTest, direct URL).
Values set by widgets use their own widget key and are copied into the app.* keys in
on_change callbacks: Streamlit drops the state of a widget that is not rendered in a run.
"""

from __future__ import annotations

import streamlit as st

from portsight.domain.access import Actor, may_open
from portsight.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

# Whole app (not widgets)
LANG = "app.lang"  # "zh_CN" | "en"
SIGNED_IN = "app.signed_in"  # portsight.services.accounts.SignedIn | None
PORT = "app.port"  # selected port id, or None for every port in the user's scope

# Widgets of the shared sidebar
SIDEBAR_LANG = "sidebar.lang"
SIDEBAR_PORT = "sidebar.port"
SIDEBAR_LOGOUT = "sidebar.logout"

# Login page widgets
LOGIN_LANG = "login.lang"
LOGIN_USERNAME = "login.username"
LOGIN_PASSWORD = "login.password"
LOGIN_SUBMIT = "login.submit"
LOGIN_FORM = "login.form"


def init() -> None:
    st.session_state.setdefault(LANG, DEFAULT_LANGUAGE)
    st.session_state.setdefault(SIGNED_IN, None)
    st.session_state.setdefault(PORT, None)


def lang() -> str:
    value = st.session_state.get(LANG, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **values: object) -> str:
    """The message for key ("<namespace>.<name>") in the session's language.

    Call it with a literal key, tr("home.title"): tests/unit/test_i18n.py scans the sources for
    tr("...") calls and fails when a key is missing from a catalogue.
    """
    return t(lang(), key, **values)


def current_actor() -> Actor | None:
    signed_in = st.session_state.get(SIGNED_IN)
    return None if signed_in is None else signed_in.actor


def current_scope() -> frozenset[int] | None:
    """Ports the pages should show: the sidebar's port if one is chosen, else the user's whole scope."""
    actor = current_actor()
    if actor is None:
        return frozenset()
    chosen = st.session_state.get(PORT)
    return actor.scope(None if chosen is None else [chosen])


def require_page(page_key: str) -> Actor:
    """Guard at the top of every page: the signed-in actor, or an error and st.stop()."""
    init()
    actor = current_actor()
    if actor is None:
        st.error(tr("common.sign_in_first"))
        st.stop()
    if not may_open(actor.role, page_key):
        st.error(tr("common.page_refused", role=tr(f"common.role_{actor.role.value}")))
        st.stop()
    return actor
