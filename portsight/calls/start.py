"""Starting a call's peer connections: the ICE configuration, and when to ask a browser to start.

Both are pure: ``rtc_configuration`` builds the RTCConfiguration from settings, and
``plan_start`` decides from the component's last value and the server's answer what one
render of a streamer asks of the browser. The Streamlit side applies the plan
(``components.remote_assist.webrtc_patches``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def rtc_configuration(ice_servers: list | None) -> dict:
    """The RTCConfiguration for both browser and server: ICE servers from settings, nothing else.

    Never ``{}``: streamlit-webrtc treats an empty dict as "not set" and falls back to Google's
    public STUN server (an unreachable STUN server costs ~5 s per call on a closed network).
    """
    servers = [dict(s) for s in (ice_servers or [])]
    for server in servers:
        if "urls" not in server:
            raise ValueError("Each ICE server needs 'urls' (and 'username'/'credential' for TURN).")
    return {"iceServers": servers}


_ICE_UFRAG = re.compile(r"^a=ice-ufrag:(\S+)", re.MULTILINE)


def offer_ufrag(description) -> str | None:
    """The ICE username fragment of an SDP offer ({"type", "sdp"} or the SDP text): names one peer connection."""
    sdp = description.get("sdp") if isinstance(description, dict) else description
    found = _ICE_UFRAG.search(sdp) if isinstance(sdp, str) else None
    return found.group(1) if found else None


@dataclass(frozen=True)
class StartPlan:
    """What one render of a streamer that should be playing does about starting the browser's side."""

    desired_playing_state: bool | None  # None: not yet; False: stop first (restarting); True: start
    replace_worker: bool = False  # the server's worker answered an offer the browser has since replaced
    restarting: bool = False  # keep the frontend stopped until it says it has stopped


def plan_start(
    frontend_value: dict | None, answered_ufrag: str | None, answer_delivered: bool, restarting: bool
) -> StartPlan:
    """Start the browser's peer connection so that the server answers the one that gets the answer.

    The 0.79 frontend starts a connection whenever ``desired_playing_state`` is true and it is
    stopped, but it stays "stopped" while it loads a script, and every copy of the arguments
    that reaches it in that window starts one more (Streamlit posts each run's arguments two or
    three times, and the rerun of the frontend's own first value lands there too): two or three
    connections, each offering; the server answered the first offer it saw, the answer went to
    the last connection, and that call failed after 15 s of ICE checks (17/20 calls connected).
    Waiting briefly for a second offer before answering did not help: the connections' offers
    follow their camera requests, which can be far apart on a loaded machine.
    So: ask for playing only once the frontend has reported (it is mounted); when the offer in
    the component's value is not the one the worker answered, answer the new one if the old
    answer has not been sent, otherwise stop the frontend and start it once more.
    """
    if frontend_value is None:
        return StartPlan(None, restarting=restarting)
    offered = offer_ufrag(frontend_value.get("sdpOffer"))
    if restarting:
        stopped = not frontend_value.get("playing") and offered is None
        return StartPlan(True) if stopped else StartPlan(False, restarting=True)
    if answered_ufrag is None or offered is None or answered_ufrag == offered:
        return StartPlan(True)
    if answer_delivered:
        return StartPlan(False, restarting=True)
    return StartPlan(True, replace_worker=True)
