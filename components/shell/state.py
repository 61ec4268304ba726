"""Session-state keys (constants, prefixed by page), translation for the current language, who is
signed in, the port scope, and the page guard.

Keys are initialised with setdefault so every page also runs alone (AppTest of one page).
Values set by widgets use their own widget key and are copied into the app.* keys in
on_change callbacks: Streamlit drops the state of a widget that is not rendered in a run.

Who is signed in is never kept in st.session_state: every script run (and every fragment run,
and the widget callbacks before them) resolves the browser's session cookie afresh, once per
run (signed_in_now). So a Streamlit session id alone grants nothing, and a sign-out, a
deactivation or a change of role or ports applies to every tab on its next run.
"""

from __future__ import annotations

import logging
import types
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.shell import browser
from components.shell.runtime import Scope, get_engine, get_settings
from portsight.catalogue import default_catalogue
from portsight.db.session import DatabaseUnavailable
from portsight.domain.access import Actor, may_open
from portsight.domain.rulebook import RuleCatalogueError
from portsight.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from portsight.services.accounts import SignedIn
from portsight.services.sessions import resolve_session, token_hash

log = logging.getLogger(__name__)


# The app's main script: the nearest app.py above this module.
APP_SCRIPT = next(d / "app.py" for d in Path(__file__).resolve().parents if (d / "app.py").is_file())

# Whole app (not widgets)
LANG = "app.lang"  # "zh_CN" | "en"
LANG_SETTLED = "app.lang_settled"  # the language was taken from the sign-in page or the account once
USER_ID = "app.user_id"  # whose port choice PORT is (a different account signing in resets it)
PORT = "app.port"  # selected port id, or None for every port in the user's scope

# Widgets of the shared sidebar
SIDEBAR_LANG = "sidebar.lang"
SIDEBAR_PORT = "sidebar.port"
SIDEBAR_LOGOUT = "sidebar.logout"

# Signed-out view widgets
LOGIN_LANG = "login.lang"
LOGIN_LINK = "login.link"  # the way to the sign-in page (portsight/web), for the URL of this run


def init() -> None:
    st.session_state.setdefault(LANG, DEFAULT_LANGUAGE)
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


_RUN_KEY = "_portsight_signed_in"  # on the ScriptRunContext: (this run's coordinator, SignedIn | None)


def _resolve(touch: bool) -> SignedIn | None:
    token = browser.session_token()
    if not token:
        return None
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    try:
        signed_in = resolve_session(get_engine(), token, idle=idle, touch=touch)
    except SQLAlchemyError:
        log.exception("could not check the session")
        return None
    ctx = get_script_run_ctx()
    if signed_in is not None and ctx is not None:
        browser.bind(ctx.session_id, token_hash(token))
    return signed_in


def signed_in_now() -> SignedIn | None:
    """Who the browser's session cookie signs in, resolved once per script or fragment run.

    Streamlit makes a new parallel coordinator for every run (ScriptRunContext.reset): the value
    cached beside it belongs to this run only. A full run counts as activity for the idle
    time-out; a fragment's own reruns (a live board refreshing itself) do not.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    cached = ctx.__dict__.get(_RUN_KEY)
    if cached is not None and cached[0] is ctx.parallel_coordinator:
        return cached[1]
    signed_in = _resolve(touch=not ctx.fragment_ids_this_run)
    ctx.__dict__[_RUN_KEY] = (ctx.parallel_coordinator, signed_in)
    if signed_in is None and ctx.fragment_ids_this_run:
        st.rerun()  # a fragment of a page whose session ended: the whole app runs, and shows the sign-in
    return signed_in


def gate() -> SignedIn | None:
    """app.py's first step: who is signed in for this run, and the session's language and port.

    The language comes once from the sign-in page's choice, else the account's; afterwards the
    sidebar switch rules. A different account in the same tab starts with every port.
    """
    init()
    signed_in = signed_in_now()
    if not st.session_state.get(LANG_SETTLED):
        picked = browser.picked_language()
        if picked in LANGUAGES:
            st.session_state[LANG] = picked
        elif signed_in is not None and signed_in.language in LANGUAGES:
            st.session_state[LANG] = signed_in.language
        if signed_in is not None:
            st.session_state[LANG_SETTLED] = True
    if signed_in is not None and st.session_state.get(USER_ID) != signed_in.actor.user_id:
        st.session_state[USER_ID] = signed_in.actor.user_id
        st.session_state[PORT] = None
        st.session_state.pop(SIDEBAR_PORT, None)
    return signed_in


def current_actor() -> Actor | None:
    signed_in = signed_in_now()
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


def ensure_rule_catalogue() -> None:
    """Stop the app with the catalogue's own message when a rule file is malformed."""
    try:
        default_catalogue()
    except RuleCatalogueError as exc:
        st.error(tr("rules.catalogue_broken", problem=str(exc)), icon=":material/gavel:")
        st.stop()


def show_unexpected_error(exc: BaseException) -> bool:
    """st.App's on_script_error: log the exception, show the app's own message instead of
    Streamlit's exception box (with its "Ask Google / Ask ChatGPT" links). A database that stopped
    answering is not a bug: the user is told to try again."""
    if isinstance(exc, DatabaseUnavailable):
        log.warning("database unavailable during a script run: %s", exc)
        message, icon = tr("common.database_unavailable"), ":material/database:"
    else:
        log.error("uncaught exception in a script run", exc_info=exc)
        message, icon = tr("common.unexpected_error"), ":material/error:"
    try:
        st.error(message, icon=icon)
    except Exception:  # noqa: BLE001 - the run is already failing; the log has the cause
        return False
    return True


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
    signed_in = signed_in_now()
    if signed_in is not None and getattr(signed_in, "must_change_password", False):
        st.error(tr("common.sign_in_first"))  # app.py shows the password change instead of any page
        st.stop()
    if not may_open(actor.role, page_key):
        st.error(tr("common.page_refused", role=tr(f"common.role_{actor.role.value}")))
        st.stop()
    return actor
