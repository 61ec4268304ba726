"""What the call's link mode means for each side, said beside the video while the call lasts.

The mode is the room's (``portsight.calls.link``); this notice is its own fragment refreshed
every two seconds, so both sides learn of a change without a rerun of the page. Call it outside
other ``run_every`` fragments (they must not nest).
"""

from __future__ import annotations

import streamlit as st

from components.shell.state import tr
from portsight.calls.link import AUDIO_SNAPSHOTS, CHAT, REDUCED, VIDEO_MODES
from portsight.calls.room import EXPERT, INSPECTOR, Room

LINK_NOTICE_EVERY = 2  # seconds; the room reads the link every 1.5 s


def link_notice(mode: str, role: str) -> str | None:
    """The notice for one side in one mode (None: the link is good, nothing to say)."""
    if mode == REDUCED:
        return tr("assist.link_reduced")
    if mode == AUDIO_SNAPSHOTS:
        return tr("assist.link_audio_snapshots_expert") if role == EXPERT else tr("assist.link_audio_snapshots")
    if mode == CHAT:
        return tr("assist.link_chat_inspector") if role == INSPECTOR else tr("assist.link_chat")
    return None


def snapshots_first(room: Room) -> bool:
    """Whether the call carries no moving picture now, so the snapshot button comes first."""
    return room.link_mode not in VIDEO_MODES


@st.fragment(run_every=LINK_NOTICE_EVERY)
def render_link_notice(room: Room, role: str) -> None:
    """The call's link mode for this side, kept up to date (nothing while the link is good)."""
    mode = room.link_mode
    text = link_notice(mode, role)
    with st.container(key="assist.link_notice"):
        if text is None:
            return
        if mode == REDUCED:
            st.info(text, icon=":material/network_check:")
        else:
            st.warning(text, icon=":material/signal_cellular_connected_no_internet_0_bar:")
