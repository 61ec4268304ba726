"""The remote-assist call on the field page: the inspector's side of it, its state, chat and proposals.

The call is the same room the remote-assist page uses (``components.remote_assist``); here the
inspector's streamer stays on the field page beside the step, so saving a step or taking a photo
reruns the page without ending the call. Readers are not cached: the panel refreshes every few
seconds and must show the expert's proposals and chat as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from components.remote_assist import webrtc
from components.remote_assist.data import ice_servers, recording_on, room_registry
from components.remote_assist.link import render_link_notice
from components.remote_assist.ringing import render_who_is_coming
from components.shell.runtime import get_engine
from portsight.domain.access import Actor
from portsight.queries import assist as assist_queries
from portsight.queries import assist_context as context_queries
from portsight.services import assist as assist_services
from portsight.services import assist_proposals as proposal_services

__all__ = [
    "confirm_proposal",
    "dismiss_proposal",
    "leave_call",
    "load_call_record",
    "load_open_call",
    "load_pending_proposals",
    "post_chat_message",
    "recording_on",
    "render_call_video",
    "render_who_is_coming",
]


def call_key(session_id: int) -> str:
    """The streamer's key: one per call, so every rerun of the page renders the same call."""
    return f"assist.call.{session_id}"


def render_call_video(actor: Actor, session_id: int):
    """The inspector's camera and the expert's voice, and how the link is; returns the streamlit-webrtc
    context (None under AppTest)."""
    room = room_registry().room(session_id)
    ctx = webrtc.streamer(
        call_key(session_id), room, webrtc.INSPECTOR, actor, ice_servers(), desired_playing_state=True
    )
    render_link_notice(room, webrtc.INSPECTOR)
    return ctx


# ------------------------------------------------------------------ readers


def load_open_call(inspection_id: int, user_id: int) -> dict | None:
    return context_queries.open_call_on(get_engine(), inspection_id, user_id)


def load_call_record(session_id: int, port_ids: Iterable[int] | None) -> dict | None:
    return assist_queries.session_record(get_engine(), session_id, port_ids)


def load_pending_proposals(session_id: int) -> list[dict]:
    return context_queries.proposals_of(get_engine(), session_id, pending_only=True)


# ------------------------------------------------------------------ writes


def post_chat_message(actor: Actor, session_id: int, text: str) -> int:
    return assist_services.post_chat_message(get_engine(), actor, session_id, text)


def leave_call(actor: Actor, session_id: int) -> str | None:
    """The inspector hangs up or leaves the inspection: a waiting request is cancelled, a call in progress ended (both
    recorded); the room is closed. Returns the request's new state, None when it was already over."""
    state = assist_services.record_side_left(get_engine(), actor, session_id)
    room_registry().close(session_id)
    return state


def confirm_proposal(actor: Actor, proposal_id: int) -> dict:
    return proposal_services.confirm_proposal(get_engine(), actor, proposal_id)


def dismiss_proposal(actor: Actor, proposal_id: int) -> dict:
    return proposal_services.dismiss_proposal(get_engine(), actor, proposal_id)
