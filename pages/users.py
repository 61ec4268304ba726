"""Users (administrators): every account with its role, ports, state and sign-in wait; create an
account, change its role or ports, switch it off or on, clear its wait, reset its password (a
one-time password shown once, or one typed here; the user chooses a new one at the next sign-in)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell.formatting import as_text
from components.shell.state import lang, require_page, tr
from components.shell.widgets import flash, fmt_time, guarded, render_empty, show_flash
from components.users.data import (
    MIN_PASSWORD_LENGTH,
    UserRow,
    change_scope,
    create_account,
    load_expert_skills,
    load_ports,
    load_users,
    reset_password,
    set_account_active,
    set_expert_skills,
    skill_choices,
    unlock_account,
)
from portsight.domain.access import Role

actor = require_page("users")

# Widget keys of this page
FLASH = "users.flash"  # a success message shown after the rerun that follows a write
ONE_TIME = "users.one_time"  # (username, password) shown once after a create or reset
TABLE = "users.table"
CREATE_FORM = "users.create_form"
NEW_USERNAME = "users.new_username"
NEW_DISPLAY = "users.new_display"
NEW_ROLE = "users.new_role"
NEW_ALL_PORTS = "users.new_all_ports"
NEW_PORTS = "users.new_ports"
NEW_LANGUAGE = "users.new_language"
NEW_PASSWORD = "users.new_password"
CREATE = "users.create"
PICK = "users.pick"
ROLE = "users.role"
ALL_PORTS = "users.all_ports"
PORTS = "users.ports"
SAVE_SCOPE = "users.save_scope"
DEACTIVATE = "users.deactivate"
ACTIVATE = "users.activate"
UNLOCK = "users.unlock"
RESET_PASSWORD = "users.reset_password"
RESET = "users.reset"
SKILL_CHAPTERS = "users.skill_chapters"  # + the user's id
SKILL_FAMILIES = "users.skill_families"
SKILL_LANGUAGES = "users.skill_languages"
SAVE_SKILLS = "users.save_skills"

ROLES = [r.value for r in Role]
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def role_label(role: str) -> str:
    return tr(f"common.role_{role}")


# Labels computed in the run: a format_func is also called outside it (AppTest), without the language.
role_labels = {role: role_label(role) for role in ROLES}


def ports_text(user: UserRow) -> str:
    return tr("users.all_ports") if user.all_ports else ", ".join(user.ports) or "—"


def port_labels() -> dict[str, str]:
    return {p["code"]: f"{p['code']} {p['name_zh'] if lang() == 'zh_CN' else p['name_en']}" for p in load_ports(None)}


# ---------------------------------------------------------------- sections
def render_one_time_password() -> None:
    shown = st.session_state.pop(ONE_TIME, None)
    if shown:
        username, password = shown
        st.info(tr("users.one_time_password", username=as_text(username)), icon=":material/key:")
        st.code(password, language=None)


def render_table(users: list[UserRow]) -> None:
    st.subheader(tr("users.accounts"))
    shown = pd.DataFrame(
        {
            "username": [u.username for u in users],
            "display_name": [u.display_name for u in users],
            "role": [role_label(u.role) for u in users],
            "ports": [ports_text(u) for u in users],
            "active": [tr("users.yes") if u.active else tr("users.no") for u in users],
            "last_login": [fmt_time(u.last_login_at) if u.last_login_at else tr("users.never") for u in users],
            "must_change": [tr("users.yes") if u.must_change_password else "" for u in users],
            "waiting": [
                tr("users.waiting_until", time=fmt_time(u.throttled_until)) if u.throttled_until else "" for u in users
            ],
            "failures": [u.failures for u in users],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        key=TABLE,
        column_config={
            "username": tr("users.col_username"),
            "display_name": tr("users.col_display_name"),
            "role": tr("users.col_role"),
            "ports": tr("users.col_ports"),
            "active": tr("users.col_active"),
            "last_login": tr("users.col_last_login"),
            "must_change": tr("users.col_must_change"),
            "waiting": tr("users.col_waiting"),
            "failures": tr("users.col_failures"),
        },
    )


def render_create() -> None:
    st.subheader(tr("users.create"))
    labels = port_labels()
    with st.form(CREATE_FORM, clear_on_submit=True):
        left, right = st.columns(2)
        username = left.text_input(tr("users.field_username"), max_chars=64, key=NEW_USERNAME)
        display_name = right.text_input(tr("users.field_display_name"), max_chars=120, key=NEW_DISPLAY)
        left, right = st.columns(2)
        role = left.selectbox(tr("users.field_role"), ROLES, format_func=role_labels.get, key=NEW_ROLE)
        language = right.selectbox(
            tr("users.field_language"), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get, key=NEW_LANGUAGE
        )
        all_ports = st.checkbox(tr("users.field_all_ports"), key=NEW_ALL_PORTS)
        ports = st.multiselect(tr("users.field_ports"), list(labels), format_func=labels.get, key=NEW_PORTS)
        password = st.text_input(
            tr("users.field_first_password"),
            type="password",
            key=NEW_PASSWORD,
            autocomplete="new-password",
            help=tr("users.password_rules", min=MIN_PASSWORD_LENGTH),
        )
        st.caption(tr("users.first_password_note"))
        submitted = st.form_submit_button(tr("users.create_button"), type="primary", key=CREATE)
    if submitted:
        if not username.strip():
            st.warning(tr("users.username_missing"))
            return
        if not all_ports and not ports:
            st.warning(tr("users.ports_missing"))
            return
        first = guarded(
            lambda: create_account(
                actor,
                username=username,
                display_name=display_name,
                role=role,
                all_ports=all_ports,
                port_codes=[] if all_ports else ports,
                language=language,
                password=password or None,
            )
        )
        if first is not None:
            name = username.strip().lower()
            if not password:
                st.session_state[ONE_TIME] = (name, first)
            flash(FLASH, tr("users.created", username=as_text(name)))


def render_manage(users: list[UserRow]) -> None:
    st.subheader(tr("users.manage"))
    by_id = {u.id: u for u in users}
    picked = st.selectbox(
        tr("users.field_account"),
        list(by_id),
        format_func=lambda uid: f"{by_id[uid].username} · {by_id[uid].display_name}",
        key=PICK,
    )
    user = by_id[picked]
    labels = port_labels()

    st.markdown(f"**{tr('users.scope')}**")
    left, right = st.columns([1, 2])
    role = left.selectbox(
        tr("users.field_role"),
        ROLES,
        index=ROLES.index(user.role),
        format_func=role_labels.get,
        key=f"{ROLE}.{user.id}",
    )
    all_ports = left.checkbox(tr("users.field_all_ports"), value=user.all_ports, key=f"{ALL_PORTS}.{user.id}")
    ports = right.multiselect(
        tr("users.field_ports"),
        list(labels),
        default=[c for c in user.ports if c in labels],
        format_func=labels.get,
        key=f"{PORTS}.{user.id}",
    )
    if st.button(tr("users.save_scope_button"), key=SAVE_SCOPE):
        if not all_ports and not ports:
            st.warning(tr("users.ports_missing"))
        elif guarded(
            lambda: (
                change_scope(actor, user.id, role=role, all_ports=all_ports, port_codes=[] if all_ports else ports)
                or True
            )
        ):
            flash(FLASH, tr("users.scope_saved", username=as_text(user.username)))

    if user.role == Role.EXPERT.value:
        render_skills(user)

    st.markdown(f"**{tr('users.state')}**")
    left, right = st.columns(2)
    if user.active:
        if left.button(tr("users.deactivate_button"), key=DEACTIVATE, help=tr("users.deactivate_help")):
            if guarded(lambda: set_account_active(actor, user.id, False) or True):
                flash(FLASH, tr("users.deactivated", username=as_text(user.username)))
    elif left.button(tr("users.activate_button"), key=ACTIVATE):
        if guarded(lambda: set_account_active(actor, user.id, True) or True):
            flash(FLASH, tr("users.activated", username=as_text(user.username)))
    if right.button(tr("users.unlock_button"), key=UNLOCK, disabled=not user.failures, help=tr("users.unlock_help")):
        if guarded(lambda: unlock_account(actor, user.id) or True):
            flash(FLASH, tr("users.unlocked", username=as_text(user.username)))

    st.markdown(f"**{tr('users.reset')}**")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    typed = left.text_input(
        tr("users.field_reset_password"),
        type="password",
        key=f"{RESET_PASSWORD}.{user.id}",
        autocomplete="new-password",
        help=tr("users.password_rules", min=MIN_PASSWORD_LENGTH),
    )
    if right.button(tr("users.reset_button"), key=RESET, help=tr("users.reset_help")):
        new = guarded(lambda: reset_password(actor, user.id, typed or None))
        if new is not None:
            if not typed:
                st.session_state[ONE_TIME] = (user.username, new)
            flash(FLASH, tr("users.password_reset", username=as_text(user.username)))


def render_skills(user: UserRow) -> None:
    """What an expert is rung for; a kind left empty means any (the routing rings them for anything)."""
    st.markdown(f"**{tr('users.skills')}**")
    st.caption(tr("users.skills_help"))
    have = load_expert_skills(user.id)
    choices = skill_choices()
    chapters = st.multiselect(
        tr("users.skill_chapters"),
        list(choices["chapter"]),
        default=[c for c in have.get("chapter", []) if c in choices["chapter"]],
        format_func=choices["chapter"].get,
        key=f"{SKILL_CHAPTERS}.{user.id}",
    )
    left, right = st.columns(2)
    families = left.multiselect(
        tr("users.skill_families"),
        list(choices["rule_family"]),
        default=[f for f in have.get("rule_family", []) if f in choices["rule_family"]],
        key=f"{SKILL_FAMILIES}.{user.id}",
    )
    languages = right.multiselect(
        tr("users.skill_languages"),
        list(LANGUAGE_NAMES),
        default=[code for code in have.get("language", []) if code in LANGUAGE_NAMES],
        format_func=LANGUAGE_NAMES.get,
        key=f"{SKILL_LANGUAGES}.{user.id}",
    )
    if st.button(tr("users.save_skills_button"), key=SAVE_SKILLS):
        saved = guarded(
            lambda: (
                set_expert_skills(actor, user.id, chapters=chapters, rule_families=families, languages=languages)
                or True
            )
        )
        if saved:
            flash(FLASH, tr("users.skills_saved", username=as_text(user.username)))


st.title(tr("users.title"))
st.caption(tr("users.intro"))
show_flash(FLASH)
render_one_time_password()
users = guarded(load_users)
if users is not None:
    if users:
        render_table(users)
        guarded(lambda: render_manage(users))
    else:
        render_empty("users.no_users")
    guarded(render_create)
