"""The sign-in view: the only page a visitor who is not signed in can reach."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.shell import state
from components.shell.runtime import RUN_COMMAND, UPGRADE_COMMAND, database_problem, get_engine, get_settings
from components.shell.state import lang, tr
from portsight.i18n import LANGUAGES, fmt_datetime
from portsight.services.accounts import AccountInactive, AccountLocked, InvalidCredentials, authenticate

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
_CHOSEN = "login.lang_chosen"  # the visitor picked a language here: keep it over the account's


def _language_changed(widget_key: str) -> None:
    st.session_state[state.LANG] = st.session_state[widget_key]


def _on_login_language() -> None:
    _language_changed(state.LOGIN_LANG)
    st.session_state[_CHOSEN] = True


def language_switch(widget_key: str, on_change) -> None:
    st.session_state.setdefault(widget_key, lang())
    st.radio(
        tr("common.language"),
        LANGUAGES,
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

        with st.form(state.LOGIN_FORM):
            st.subheader(tr("login.title"))
            username = st.text_input(tr("login.username"), key=state.LOGIN_USERNAME, autocomplete="username")
            password = st.text_input(
                tr("login.password"), type="password", key=state.LOGIN_PASSWORD, autocomplete="current-password"
            )
            submitted = st.form_submit_button(tr("login.submit"), key=state.LOGIN_SUBMIT, type="primary")
        if submitted:
            _sign_in(username, password)


def _sign_in(username: str, password: str) -> None:
    if not username.strip() or not password:
        st.warning(tr("login.fill_both"))
        return
    settings = get_settings()
    try:
        signed_in = authenticate(
            get_engine(),
            username,
            password,
            max_failures=settings.login_max_failures,
            lockout_minutes=settings.login_lockout_minutes,
        )
    except InvalidCredentials:
        st.error(tr("login.invalid"), icon=":material/lock:")
        return
    except AccountLocked as exc:
        st.error(tr("login.locked", until=fmt_datetime(lang(), exc.until)), icon=":material/lock_clock:")
        return
    except AccountInactive:
        st.error(tr("login.inactive"), icon=":material/person_off:")
        return
    except SQLAlchemyError:
        log.exception("sign-in failed on a database error")
        problem = database_problem()
        if problem is not None:
            render_database_problem(problem)
        else:
            st.error(tr("common.unexpected_error"))
        return
    except Exception:  # noqa: BLE001 - never a stack trace on the login page
        log.exception("sign-in failed")
        st.error(tr("common.unexpected_error"))
        return
    st.session_state[state.SIGNED_IN] = signed_in
    st.session_state[state.PORT] = None
    if not st.session_state.get(_CHOSEN) and signed_in.language in LANGUAGES:
        st.session_state[state.LANG] = signed_in.language
    st.rerun()
