"""The remote-assistance page's readers and write wrappers, and the settings its calls need.

Readers are not cached: the live panels refresh every few seconds and must show the other
side's chat and state as they are. Only the numbers read from a snapshot are, by the snapshot's
hash (its file never changes). Readers are named load_<thing>; writes keep their service's
name and take the actor, never an engine. The media of a call go through ``webrtc``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import streamlit as st

from components.remote_assist.webrtc import get_registry
from components.shell.runtime import get_engine, get_settings
from portsight.calls.registry import RoomRegistry
from portsight.domain.access import Actor
from portsight.ocr import NumberReading, read_numbers
from portsight.queries import assist as assist_queries
from portsight.queries import assist_cases as case_queries
from portsight.queries import assist_context as context_queries
from portsight.services import assist as assist_services
from portsight.services import assist_proposals as proposal_services
from portsight.storage import media_path

MAX_QUESTION = assist_services.MAX_QUESTION


# ------------------------------------------------------------------ calls


def room_registry() -> RoomRegistry:
    """The server's one room registry, recording into the data folder when recording is on."""
    settings = get_settings()
    recording_dir = str(settings.data_dir / "recordings") if settings.recording else None
    return get_registry(settings.database_url, recording_dir)


def recording_on() -> bool:
    return get_settings().recording


def ice_servers() -> list:
    """The configured STUN/TURN servers (none for loopback)."""
    return get_settings().ice_servers


def snapshot_file(sha256: str) -> Path:
    """Where a snapshot's file is (it may be missing)."""
    return media_path(get_settings().media_dir, sha256, ".jpg")


@st.cache_data(max_entries=64, show_spinner=False)
def read_snapshot_numbers(sha256: str) -> NumberReading:
    """The container and seal numbers on a snapshot; a number is proposed only when it checks out."""
    return read_numbers(snapshot_file(sha256).read_bytes(), expect="any")


# ------------------------------------------------------------------ readers


def load_session_record(session_id: int, port_ids: Iterable[int] | None) -> dict | None:
    return assist_queries.session_record(get_engine(), session_id, port_ids)


def load_chat_messages(session_id: int) -> list[dict]:
    return assist_queries.chat_messages(get_engine(), session_id)


def load_open_session_for_user(user_id: int) -> dict | None:
    return assist_queries.open_session_for_user(get_engine(), user_id)


def load_inspections_for_assist(user_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    return assist_queries.inspections_for_assist(get_engine(), user_id, port_ids)


def load_waiting_queue(port_ids: Iterable[int] | None) -> pd.DataFrame:
    return assist_queries.waiting_queue(get_engine(), port_ids)


def load_active_sessions(port_ids: Iterable[int] | None) -> pd.DataFrame:
    return assist_queries.active_sessions(get_engine(), port_ids)


def load_call_context(session_id: int, port_ids: Iterable[int] | None) -> dict | None:
    """The inspection behind the call, for the expert: declaration, step, values saved, photos, hints, rules."""
    return context_queries.call_context(get_engine(), session_id, port_ids)


def photo_file(sha256: str, media_type: str) -> Path:
    """Where a stored photo of the inspection is (it may be missing)."""
    suffix = {"image/png": ".png", "image/webp": ".webp"}.get(media_type, ".jpg")
    return media_path(get_settings().media_dir, sha256, suffix)


def load_case_of_session(session_id: int) -> dict | None:
    """The case the call's conclusion was kept as, shown with its record."""
    return case_queries.case_of_session(get_engine(), session_id)


# ------------------------------------------------------------------ writes


def request_assist(actor: Actor, inspection_id: int, step_key: str | None, question: str, expertise: str | None) -> int:
    return assist_services.request_assist(get_engine(), actor, inspection_id, step_key, question, expertise)


def cancel_assist(actor: Actor, session_id: int) -> None:
    assist_services.cancel_assist(get_engine(), actor, session_id)


def end_assist(actor: Actor, session_id: int, note: str | None = None, conclusion: str | None = None) -> None:
    assist_services.end_assist(get_engine(), actor, session_id, note, conclusion)


def post_chat_message(actor: Actor, session_id: int, text: str) -> int:
    return assist_services.post_chat_message(get_engine(), actor, session_id, text)


def propose(
    actor: Actor,
    session_id: int,
    *,
    field: str | None = None,
    value: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> int:
    """The expert proposes a value for one of the step's inputs, or its outcome, for the inspector to confirm."""
    return proposal_services.propose(
        get_engine(), actor, session_id, field=field, value=value, outcome=outcome, note=note
    )


def save_snapshot(actor: Actor, session_id: int, jpeg: bytes) -> int:
    """Keep a frame of the call as evidence, in the configured media folder."""
    return assist_services.save_snapshot(get_engine(), actor, session_id, jpeg, get_settings().media_dir)
