"""What the browser sent with its websocket: the session cookie and the language picked at sign-in.

Streamlit code reads the session token only through session_token(): AppTest cannot send cookies,
so tests/pages/conftest.py substitutes this function. The bindings below tell serve.py's
middleware which cookie each Streamlit session was signed in with (see portsight/web/middleware.py).
"""

from __future__ import annotations

import threading

import streamlit as st
from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg

from portsight.web.cookies import LANGUAGE_COOKIE, SESSION_COOKIE

MAX_BINDINGS = 50_000  # Streamlit sessions remembered per process; the oldest go first


def session_token() -> str | None:
    """The session cookie's token, None without one (or outside a browser session)."""
    try:
        return st.context.cookies.get(SESSION_COOKIE) or None
    except Exception:  # noqa: BLE001 - no websocket request (a script health check): nobody signed in
        return None


def picked_language() -> str | None:
    """The language the visitor picked on the sign-in page, if any."""
    try:
        return st.context.cookies.get(LANGUAGE_COOKIE) or None
    except Exception:  # noqa: BLE001 - see session_token
        return None


_bindings: dict[str, str] = {}
_lock = threading.Lock()


def bind(session_id: str, token_hash: str) -> None:
    """Remember that this Streamlit session runs signed in with the cookie whose hash is token_hash."""
    with _lock:
        _bindings.pop(session_id, None)
        _bindings[session_id] = token_hash
        while len(_bindings) > MAX_BINDINGS:
            del _bindings[next(iter(_bindings))]


def bound_token_hash(session_id: str) -> str | None:
    """The hash of the cookie a Streamlit session was signed in with; None if it never was."""
    with _lock:
        return _bindings.get(session_id)


# What a browser whose session has ended may still send (portsight/web/middleware.py asks).
_PASSED = frozenset({"app_heartbeat", "stop_script"})


def signed_out_message(data: bytes) -> bytes | None:
    """A message from a browser whose session has ended, made harmless; None to drop it.

    A rerun request keeps its page and query but loses its widget states (so no widget callback
    runs with what the page captured while signed in) and its fragment (the whole app runs, and
    its gate shows the sign-in). Uploads, component requests and the rest are dropped.
    """
    message = BackMsg()
    try:
        message.ParseFromString(data)
    except DecodeError:
        return None
    kind = message.WhichOneof("type")
    if kind == "rerun_script":
        state = message.rerun_script
        state.ClearField("widget_states")
        state.fragment_id = ""
        state.is_auto_rerun = False
        return message.SerializeToString()
    return data if kind in _PASSED else None
