"""Remote-assistance calls in Streamlit: one side's ``webrtc_streamer`` wired to its room, and the registry.

The rooms themselves (media relay, marks, snapshots, recording, the watchdog) are
``portsight.calls``, which knows nothing of Streamlit; this module supplies what only the
Streamlit server knows: the session id of a tab, whether its page still has a websocket, and
the server's one registry (``st.cache_resource``). Callbacks handed to the registry run on its
watchdog thread and never call ``st.*``. The patches of streamlit-webrtc internals that a
streamer needs are in ``webrtc_patches``.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import streamlit as st

from components.remote_assist.webrtc_patches import _StableRunCount, _StartGuard, install_run_count_patch
from portsight.calls.registry import RoomRegistry, counters_path
from portsight.calls.room import EXPERT, INSPECTOR, WATCHER, Room
from portsight.calls.start import rtc_configuration
from portsight.domain.access import Actor

# The page reaches the rooms only through this module: the roles and the Room it is handed.
__all__ = [
    "EXPERT",
    "INSPECTOR",
    "WATCHER",
    "Room",
    "get_registry",
    "streamer",
    "webrtc_available",
]


def streamer(
    key: str,
    room: Room,
    role: str,
    actor: Actor,
    ice_servers: list | None,
    *,
    rear_camera: bool = True,
    desired_playing_state: bool | None = None,
    translations: dict | None = None,
):
    """Render one side's webrtc_streamer wired to the room; returns the streamlit-webrtc context."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    if not webrtc_available():
        from components.shell.state import tr

        st.info(tr("assist.video_unavailable"))
        return None
    install_run_count_patch()
    session_key = _session_id()
    ep = room.endpoint(f"{session_key}:{role}", role, actor)
    if role == INSPECTOR:
        video = {"facingMode": {"ideal": "environment"}} if rear_camera else True
        constraints = {"video": video, "audio": True}
    else:
        constraints = {"video": False, "audio": True}
    if desired_playing_state:
        desired_playing_state = _StartGuard.desired_playing_state(key)
    _StableRunCount.before_render(key)
    try:
        ctx = webrtc_streamer(
            key=key,
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=rtc_configuration(ice_servers),
            media_stream_constraints=constraints,
            source_video_track=ep.source_video,
            source_audio_track=ep.source_audio,
            sink_video_track=ep.sink_video,
            sink_audio_track=ep.sink_audio,
            sendback_video=True,
            sendback_audio=True,
            desired_playing_state=desired_playing_state,
            video_html_attrs={
                "autoPlay": True,
                "controls": False,
                "playsInline": True,
                "muted": False,
                "style": {"width": "100%"},
            },
            translations=translations,
        )
    finally:
        _StableRunCount.after_render()
    worker = ctx._get_worker() if hasattr(ctx, "_get_worker") else None
    if worker is not None:
        ep.worker = weakref.ref(worker)
    return ctx


def webrtc_available() -> bool:
    """False under AppTest and bare scripts: no server runtime, no WebRTC (the page still works)."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and hasattr(Runtime.instance(), "_session_mgr")


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


@st.cache_resource(show_spinner=False)
def get_registry(database_url: str, recording_dir: str | None) -> RoomRegistry:
    """The server's one room registry (per database and recording setting)."""
    from components.shell.runtime import get_engine

    engine = get_engine()

    def on_leave(session_id: int, actor: Actor, role: str) -> None:
        from portsight.services.assist import record_side_left

        record_side_left(engine, actor, session_id)

    def on_recording(session_id: int, actor: Actor, path: Path) -> None:
        from portsight.services.assist import set_recording_path

        set_recording_path(engine, actor, session_id, str(path))

    def on_link_mode(session_id: int, before: str, after: str) -> None:
        from portsight.services.assist_link import record_link_mode

        record_link_mode(engine, session_id, before, after)

    return RoomRegistry(
        on_leave=on_leave,
        recording_dir=Path(recording_dir) if recording_dir else None,
        on_recording=on_recording,
        page_alive=_page_alive,
        on_link_mode=on_link_mode,
        counters_path=counters_path(),
    )


def _page_alive(session_id: str) -> bool:
    """Whether this Streamlit session still has its websocket (watchdog thread; no st.* calls)."""
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)
