"""Session-state keys (constants, prefixed by page), translation for the current language, the port
scope, and the page guard.

Keys are initialised with setdefault so every page also runs alone (AppTest of one page).
Values set by widgets use their own widget key and are copied into the app.* keys in
on_change callbacks: Streamlit drops the state of a widget that is not rendered in a run.
"""

from __future__ import annotations

import logging
import types
from pathlib import Path
from typing import NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portsight.domain.access import Actor, may_open
from portsight.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

log = logging.getLogger(__name__)

Scope = tuple[int, ...] | None  # a port scope as a cache argument: sorted port ids, None for every port

# The app's main script: the nearest app.py above this module.
APP_SCRIPT = next(d / "app.py" for d in Path(__file__).resolve().parents if (d / "app.py").is_file())

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


def scope_key(scope: frozenset[int] | None) -> Scope:
    """A port scope as a small hashable cache argument."""
    return None if scope is None else tuple(sorted(scope))


def reached_without_app() -> bool:
    """This run is Streamlit's legacy multipage mode: a file of pages/ runs without app.py around it.

    Streamlit 1.67 treats a pages/ folder next to the main script as an old-style multipage app
    while PagesManager.uses_pages_directory is set: from the first session of a process until the
    first st.navigation call (AppTest sets it again before every run). In that mode a run for
    /alerts does not exec app.py: Streamlit registers app.py and every file of pages/ as pages
    itself and execs pages/alerts.py alone, without login gate or sidebar. app.py's own
    st.navigation never registers app.py as a page, so finding it among this run's pages tells
    the two apart, per session and per run.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    return any(
        info.get("script_path") and Path(info["script_path"]).resolve() == APP_SCRIPT
        for info in ctx.pages_manager.get_pages().values()
    )


_legacy_logged = False


def run_app_instead(page_key: str) -> NoReturn:
    """Run app.py now, in this run, as Streamlit would have; then stop the page that called this.

    app.py's st.navigation ends legacy mode for the process and serves this run's URL again
    (Streamlit hashes the URL path: pages/alerts.py and app.py's page "alerts" are both /alerts):
    the sign-in form for a visitor, the page in its menu once signed in. The same run, not a
    st.rerun(): a rerun would reset the buttons this run was started by.
    """
    global _legacy_logged
    if not _legacy_logged:  # once per process: AppTest starts every run in legacy mode
        _legacy_logged = True
        log.warning(
            "/%s reached in Streamlit's legacy multipage mode (no script health check since the start?): "
            "running app.py for it",
            page_key,
        )
    ctx = get_script_run_ctx()
    assert ctx is not None  # reached_without_app() found one
    code = compile(APP_SCRIPT.read_bytes(), str(APP_SCRIPT), "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = str(APP_SCRIPT)
    # Widget ids include the running script's hash: app.py's widgets get the ids they always have.
    with ctx.run_with_active_hash(ctx.pages_manager.main_script_hash):
        exec(code, module.__dict__)  # noqa: S102 - the app's own main script
    st.stop()  # the page's own module must not go on: app.py has rendered this URL


def require_page(page_key: str) -> Actor:
    """Guard at the top of every page: the signed-in actor, or an error and st.stop().

    A page reached without app.py (see reached_without_app) has app.py run in its place, so it
    never renders alone, signed in or not.
    """
    init()
    if reached_without_app():
        run_app_instead(page_key)
    actor = current_actor()
    if actor is None:
        st.error(tr("common.sign_in_first"))
        st.stop()
    if not may_open(actor.role, page_key):
        st.error(tr("common.page_refused", role=tr(f"common.role_{actor.role.value}")))
        st.stop()
    return actor
