"""Cached readers and write wrappers of the administration page (ports, dated credit tiers).

Every write goes through portsight.services.masterdata (administrator only, audited, one
transaction) or the credit changes import of portsight.exchange.credit, and clears the readers it
invalidates, so the page shows it on the rerun that follows.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import streamlit as st

from components.enterprises.data import load_credit_timeline
from components.overview.feed import feed_sentence
from components.shell import runtime
from components.shell.links import enterprise_url
from components.shell.messages import render_message
from components.shell.runtime import get_engine
from portsight.clock import LOCAL_TZ
from portsight.domain.access import Actor
from portsight.domain.credit import STORED_CODES
from portsight.exchange.credit import CreditEntry, CreditImportResult, import_credit_changes
from portsight.exchange.readers import ReadLimits, UnreadableFile
from portsight.queries import enterprises
from portsight.services import masterdata
from portsight.services.masterdata import PORT_KINDS

__all__ = [
    "PORT_KINDS",
    "STORED_CODES",
    "CreditImportResult",
    "UnreadableFile",
    "add_port",
    "audit_sentence",
    "change_port",
    "china_today",
    "enterprise_url",
    "entry_reason",
    "import_credit_file",
    "load_credit_audit",
    "load_enterprise",
    "load_enterprises",
    "load_port_rows",
    "load_timeline",
    "record_change",
    "remove_port",
    "timeline_state",
    "timezones",
]

# An import on the page runs in the server's process: far fewer rows than any credit file holds.
PAGE_LIMITS = ReadLimits(max_rows=50_000)


def china_today() -> date:
    return datetime.now(ZoneInfo(LOCAL_TZ)).date()


LEGACY_ZONE_PREFIXES = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def timezones() -> list[str]:
    """The IANA time zones offered for a port, sorted: the Area/City names this server knows (the
    legacy aliases such as "PRC" or "Japan" are left out; the service accepts any zone it knows)."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(LEGACY_ZONE_PREFIXES))


def audit_sentence(lang: str, entry: dict) -> str:
    """An audit entry of credit_audit as the activity feed says it."""
    return feed_sentence(lang, entry)


# ---------------------------------------------------------------- readers
@st.cache_data(ttl=30, show_spinner=False)
def load_port_rows() -> list[dict]:
    return enterprises.port_rows(get_engine())


@st.cache_data(ttl=30, show_spinner=False)
def load_enterprises(text: str) -> list[dict]:
    return enterprises.find_enterprises(get_engine(), text)


@st.cache_data(ttl=30, show_spinner=False)
def load_enterprise(enterprise_id: int) -> dict | None:
    return enterprises.enterprise_card(get_engine(), enterprise_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_timeline(enterprise_id: int) -> list[dict]:
    return enterprises.credit_timeline(get_engine(), enterprise_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_credit_audit(enterprise_id: int) -> list[dict]:
    return enterprises.credit_audit(get_engine(), enterprise_id)


def timeline_state(timeline: list[dict], today: date) -> list[str]:
    """Each change's state today, in the timeline's order: "in_force" (the one that applies today),
    "scheduled" (from a later day) or "past" (replaced by a later one, or corrected the same day)."""
    begun = [i for i, row in enumerate(timeline) if row["valid_from"] <= today]
    current = begun[-1] if begun else None  # the timeline is by day, then as recorded
    return [
        "in_force" if i == current else "scheduled" if row["valid_from"] > today else "past"
        for i, row in enumerate(timeline)
    ]


def _clear_credit() -> None:
    # the enterprise page's timeline too: it shows the change on its next run
    for reader in (load_enterprises, load_enterprise, load_timeline, load_credit_audit, load_credit_timeline):
        reader.clear()


def _clear_ports() -> None:
    load_port_rows.clear()
    runtime.load_ports.clear()  # every page's port choices


# ---------------------------------------------------------------- writes
def record_change(actor: Actor, enterprise_id: int, *, tier: str, valid_from: date, reason: str) -> int:
    history_id = masterdata.record_credit_change(
        get_engine(), actor, enterprise_id, tier=tier, valid_from=valid_from, reason=reason
    )
    _clear_credit()
    return history_id


def import_credit_file(actor: Actor, name: str, data: bytes) -> CreditImportResult:
    try:
        result = import_credit_changes(get_engine(), actor, name, data, limits=PAGE_LIMITS)
    except MemoryError:
        raise UnreadableFile("The file needs more memory than an import may use.", "unreadable_memory") from None
    if result.written:
        _clear_credit()
    return result


def entry_reason(lang: str, entry: CreditEntry) -> str:
    """A rejected row's reason in the reader's language (the English text when it has no key)."""
    return render_message(lang, entry.key, entry.params or {}) if entry.key else entry.reason


def add_port(actor: Actor, **fields) -> int:
    port_id = masterdata.create_port(get_engine(), actor, **fields)
    _clear_ports()
    return port_id


def change_port(actor: Actor, port_id: int, **fields) -> bool:
    changed = masterdata.update_port(get_engine(), actor, port_id, **fields)
    _clear_ports()
    return changed


def remove_port(actor: Actor, port_id: int) -> None:
    masterdata.delete_port(get_engine(), actor, port_id)
    _clear_ports()
