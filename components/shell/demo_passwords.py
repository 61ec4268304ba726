"""A red banner for administrators while an active account still has the published demo password
outside the embedded demo (`python -m portsight seed --demo` marks a database as the demo).

Cheap per run: the answer is cached for a minute per database; each distinct password hash is
checked once per process (a hash never changes its answer) and at most a few new ones per
minute, so a page run pays at most a few argon2 checks once in a while.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.shell.formatting import as_text
from components.shell.runtime import get_engine, get_settings
from components.shell.state import tr
from portsight.db.instance import is_demo
from portsight.domain.access import Actor, Role
from portsight.services.accounts import demo_password_users

log = logging.getLogger(__name__)

NEW_HASHES_PER_CHECK = 8
_verdicts: dict[str, bool] = {}  # password hash -> verifies the demo password (this process)
_lock = threading.Lock()


@st.cache_data(ttl=60, show_spinner=False)
def _accounts_with_demo_password(database_url: str) -> list[str]:
    engine = get_engine()
    if is_demo(engine):
        return []
    with _lock:
        names, _ = demo_password_users(engine, verdicts=_verdicts, budget=NEW_HASHES_PER_CHECK)
    return names


def warn_about_demo_passwords(actor: Actor) -> None:
    """app.py calls this on every run of a signed-in user; only administrators see the banner."""
    if actor.role != Role.ADMIN:
        return
    try:
        names = _accounts_with_demo_password(get_settings().database_url)
    except SQLAlchemyError:
        log.exception("could not check for demo passwords")
        return
    if names:
        shown = as_text(", ".join(names[:10])) + (" …" if len(names) > 10 else "")
        st.error(tr("users.demo_passwords_banner", count=len(names), names=shown), icon=":material/gpp_bad:")
