"""Two patches of streamlit-webrtc 0.79 internals that remote-assistance calls need.

Each works around one upstream behaviour, says how to tell when it can go, and has a test
that fails without it. Both run on a page's script thread and keep their state in the
session, per streamer key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import streamlit as st

from portsight.calls.room import stop_worker
from portsight.calls.start import offer_ufrag, plan_start

log = logging.getLogger(__name__)


class _StableRunCount:
    """Counter handed to streamlit-webrtc's orphaned-context check instead of Streamlit's own.

    streamlit-webrtc 0.79 resets (stops) a context when the session's script_run_count advanced
    by more than one since the component last rendered. Streamlit bumps that counter
    asynchronously on the event-loop thread, so the quick reruns right after START (offer, ICE
    candidates, answer) can see the same value twice and then a jump of two: the second peer
    is torn down in about one run in four. This counter advances by exactly one per render of
    our streamer, and by two only when the streamer missed a completed run (its frontend
    widget state was dropped: the user went to another page), the case the check exists for.

    Upstream: ``streamlit_webrtc.component._get_or_create_context`` compares
    ``get_script_run_count(session_info)`` with ``context._last_rendered_run_count + 1``
    (0.79.0, with Streamlit 1.67). It can go when an upgrade no longer reads Streamlit's
    ``script_run_count`` there (for example, counts its own renders, or detects a remounted
    frontend another way). To tell: after upgrading, run
    ``tests/unit/test_webrtc_run_count_patch.py``; when
    ``test_without_the_patch_the_race_stops_the_live_worker`` fails (the worker survives the
    racing reruns unpatched), drop this class, ``install_run_count_patch`` and that test, then
    confirm in the browser with the connect test of ``tests/e2e/test_remote_assist.py``
    (``test_remote_assist_connects_every_time_...``, 20 calls): it must still connect 20/20
    (without the patch about one call in four lost its second peer).
    """

    STATE_KEY = "webrtc.run_counts"
    _current: threading.local = threading.local()

    @classmethod
    def before_render(cls, key: str) -> int:
        from streamlit_webrtc.component import generate_frontend_component_key

        counts: dict = st.session_state.setdefault(cls.STATE_KEY, {})
        previous = counts.get(key)
        if previous is None:
            value = 0
        elif key in st.session_state and generate_frontend_component_key(key) not in st.session_state:
            value = previous + 2  # not rendered in between: let the library drop the stale context
            log.info("webrtc streamer %s missed a run (its frontend state is gone): context reset", key)
        else:
            value = previous + 1
        counts[key] = value
        cls._current.value = value
        return value

    @classmethod
    def after_render(cls) -> None:
        cls._current.value = None

    @classmethod
    def patched(cls, original: Callable) -> Callable:
        def get_script_run_count(session_info) -> int:
            value = getattr(cls._current, "value", None)
            return original(session_info) if value is None else value

        get_script_run_count.__wrapped__ = original
        return get_script_run_count


def install_run_count_patch() -> None:
    """Idempotent: route streamlit-webrtc's run-count lookups through _StableRunCount."""
    import streamlit_webrtc.component as component

    current = component.get_script_run_count
    if getattr(current, "__wrapped__", None) is None:
        component.get_script_run_count = _StableRunCount.patched(current)


class _StartGuard:
    """Applies plan_start to one streamer before it renders (script thread, session state).

    Upstream: the 0.79 frontend starts a new RTCPeerConnection whenever
    ``desired_playing_state`` is true and it is stopped, and it stays "stopped" while it loads
    a script, so the two or three copies of a run's arguments Streamlit posts (and the rerun
    of the frontend's own first value) each start one; the server answers the first offer and
    the answer reaches the last connection, whose ICE then fails (``plan_start`` in
    ``portsight.calls.start`` says more). This guard asks for playing only once the frontend has reported,
    and when the answered offer is not the browser's current one it replaces the server's
    worker (answer not yet sent) or stops and restarts the frontend (answer sent). It reaches
    into the context's private ``_get_worker``, ``_set_worker``, ``_set_state``,
    ``_sdp_answer_json`` and ``_is_sdp_answer_sent``, so an upgrade that renames them breaks it.

    It can go when the frontend starts at most one connection per START (for example, it
    ignores ``desired_playing_state`` while a connection is being set up). To tell: pass
    ``desired_playing_state=True`` straight to ``webrtc_streamer`` (skip this guard in
    ``streamer()``) and run the connect test of ``tests/e2e/test_remote_assist.py``
    (``test_remote_assist_connects_every_time_...``, 20 calls): with 0.79 about three calls in
    twenty failed after 15 s of ICE checks; a failed run prints each side's ``assist-pc <n>``
    console lines, where more than one connection for a side shows this race. When it
    connects 20/20 without the guard, drop it (with ``plan_start`` and
    ``tests/unit/test_webrtc_start_guard.py``).
    """

    STATE_KEY = "webrtc.restarting"

    @classmethod
    def desired_playing_state(cls, key: str) -> bool | None:
        from streamlit_webrtc.component import compile_state, generate_frontend_component_key

        restarting: set = st.session_state.setdefault(cls.STATE_KEY, set())
        frontend_value = st.session_state.get(generate_frontend_component_key(key))
        context = st.session_state.get(key)
        worker = context._get_worker() if context is not None else None
        remote = getattr(getattr(worker, "pc", None), "remoteDescription", None)
        plan = plan_start(
            frontend_value,
            offer_ufrag(remote.sdp) if remote is not None else None,
            bool(context is not None and context._is_sdp_answer_sent),
            key in restarting,
        )
        if plan.replace_worker:
            log.info("webrtc streamer %s: the browser replaced its offer before the answer; answering the new one", key)
            context._set_worker(None)  # the lifecycle then makes a worker for the offer in the value
            context._sdp_answer_json, context._is_sdp_answer_sent = None, False
            context._set_state(compile_state(frontend_value))
            # closing a peer connection can take a second: not on the script thread, the call waits on it
            threading.Thread(target=stop_worker, args=(worker,), daemon=True).start()
        if plan.restarting and key not in restarting:
            log.info("webrtc streamer %s: the answer went to a replaced connection; restarting the browser's side", key)
        restarting.discard(key)
        if plan.restarting:
            restarting.add(key)
        return plan.desired_playing_state
