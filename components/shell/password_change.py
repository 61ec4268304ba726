"""The password change a signed-in user makes: forced after an administrator's reset (the gate
shows it instead of the page while SignedIn.must_change_password is true), or chosen freely.

On success the user's other browser sessions end; this one stays signed in.
"""

from __future__ import annotations

import streamlit as st

from components.shell import browser
from components.shell.runtime import get_engine
from components.shell.state import tr
from components.shell.widgets import guarded
from portsight.services.accounts import MIN_PASSWORD_LENGTH, PasswordRejected, SignedIn, change_password

FORM = "password_change.form"
CURRENT = "password_change.current"
NEW = "password_change.new"
REPEAT = "password_change.repeat"
SUBMIT = "password_change.submit"


def render_password_change(signed_in: SignedIn) -> None:
    if signed_in.must_change_password:
        st.title(tr("users.change_title"))
        st.warning(tr("users.change_forced"), icon=":material/key:")
    else:
        st.subheader(tr("users.change_title"))
    with st.form(FORM):
        current = st.text_input(
            tr("users.change_current"), type="password", key=CURRENT, autocomplete="current-password"
        )
        new = st.text_input(
            tr("users.change_new"),
            type="password",
            key=NEW,
            autocomplete="new-password",
            help=tr("users.password_rules", min=MIN_PASSWORD_LENGTH),
        )
        repeat = st.text_input(tr("users.change_repeat"), type="password", key=REPEAT, autocomplete="new-password")
        submitted = st.form_submit_button(tr("users.change_submit"), type="primary", key=SUBMIT)
    if not submitted:
        return
    if not current or not new:
        st.warning(tr("users.change_fill_all"))
        return
    if new != repeat:
        st.error(tr("users.change_mismatch"), icon=":material/error:")
        return

    def change() -> bool:
        try:
            change_password(get_engine(), signed_in.actor, current=current, new=new, keep_token=browser.session_token())
        except PasswordRejected as exc:
            st.error(tr(exc.reason, min=MIN_PASSWORD_LENGTH), icon=":material/error:")
            return False
        return True

    if guarded(change):
        st.toast(tr("users.change_done"), icon=":material/check_circle:")
        st.rerun()
