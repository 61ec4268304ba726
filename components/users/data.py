"""Cached reader and write wrappers of the administrator's users page.

Every write goes through portsight.services.accounts (administrator only, audited, one
transaction) and clears the reader, so the table shows it on the rerun that follows.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.shell.runtime import get_engine, load_ports
from portsight.domain.access import Actor
from portsight.queries import assist_rings as ring_queries
from portsight.reference import hs_chapters
from portsight.services import accounts, expert_skills
from portsight.services import assist_rings as ring_services
from portsight.services.accounts import MIN_PASSWORD_LENGTH, UserRow, generate_password

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "UserRow",
    "change_scope",
    "create_account",
    "load_expert_skills",
    "load_ports",
    "load_users",
    "reset_password",
    "set_account_active",
    "set_expert_skills",
    "skill_choices",
    "unlock_account",
]


@st.cache_data(ttl=10, show_spinner=False)
def load_users() -> list[UserRow]:
    return accounts.user_rows(get_engine())


def create_account(
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    all_ports: bool,
    port_codes: Sequence[str],
    language: str,
    password: str | None,
) -> str:
    """Create the account; returns its first password (generated when none was typed).

    The user chooses a new one at the first sign-in: the administrator knows this one.
    """
    first = password or generate_password()
    accounts.create_user(
        get_engine(),
        actor,
        username=username,
        password=first,
        role=role,
        display_name=display_name.strip() or None,
        port_codes=port_codes,
        all_ports=all_ports,
        language=language,
        must_change_password=True,
    )
    load_users.clear()
    return first


def reset_password(actor: Actor, user_id: int, password: str | None) -> str:
    """Set a one-time password (generated when none was typed); forced change at the next sign-in."""
    new = password or generate_password()
    accounts.set_password(get_engine(), actor, user_id, new, must_change=True)
    load_users.clear()
    return new


def set_account_active(actor: Actor, user_id: int, active: bool) -> None:
    accounts.set_active(get_engine(), actor, user_id, active)
    load_users.clear()


def unlock_account(actor: Actor, user_id: int) -> None:
    accounts.unlock_user(get_engine(), actor, user_id)
    load_users.clear()


def change_scope(actor: Actor, user_id: int, *, role: str, all_ports: bool, port_codes: Sequence[str]) -> None:
    accounts.update_user(get_engine(), actor, user_id, role=role, all_ports=all_ports, port_codes=port_codes)
    load_users.clear()


@st.cache_data(ttl=10, show_spinner=False)
def load_expert_skills(user_id: int) -> dict[str, list[str]]:
    return ring_queries.expert_skills(get_engine(), user_id)


def skill_choices() -> dict[str, dict[str, str]]:
    """What can be chosen per kind of skill, code -> label: HS chapters (English titles: no Chinese ones
    are shipped), the rule families of the catalogue."""
    return {
        "chapter": {code: f"{code} · {c.description}" for code, c in sorted(hs_chapters().items())},
        "rule_family": {family: family for family in sorted(ring_services.rule_families())},
    }


def set_expert_skills(
    actor: Actor, user_id: int, *, chapters: Sequence[str], rule_families: Sequence[str], languages: Sequence[str]
) -> None:
    expert_skills.set_expert_skills(
        get_engine(), actor, user_id, chapters=chapters, rule_families=rule_families, languages=languages
    )
    load_expert_skills.clear()
