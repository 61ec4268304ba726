"""render_* blocks shared by pages, and show_error for the project's own errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from components.shell.formatting import as_text, fmt_stored_time
from components.shell.messages import render_message
from components.shell.runtime import get_settings
from components.shell.state import lang, tr
from portsight.domain.access import AccessDenied
from portsight.i18n import catalogue

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors a page may show as a message: the service raised them on purpose and their text says
# what is wrong. Other engineers' error types join through PROJECT_ERRORS (see _project_errors).
_BASE_ERRORS: tuple[type[BaseException], ...] = (AccessDenied,)


def _project_errors() -> tuple[type[BaseException], ...]:
    errors = list(_BASE_ERRORS)
    try:  # portsight.errors is the project's error module (written by the services team)
        from portsight import errors as service_errors
    except ImportError:
        return tuple(errors)
    for name in dir(service_errors):
        obj = getattr(service_errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == service_errors.__name__:
            errors.append(obj)
    return tuple(errors)


def show_error(exc: BaseException) -> None:
    """A project error as st.error; anything else is a bug: logged with its traceback, shown generically."""
    if isinstance(exc, _project_errors()):
        # An error that names its message (portsight.images.PhotoRefused) is shown in the user's language;
        # any other message is shown as written, since it may quote what was typed or uploaded.
        key = getattr(exc, "message_key", None)
        text = (
            render_message(lang(), key, getattr(exc, "message_values", None), escape=as_text)
            if isinstance(key, str) and key in catalogue(lang())
            else as_text(str(exc))
        )
        st.error(text, icon=":material/error:")
    else:
        log.exception("unexpected error", exc_info=exc)
        st.error(tr("common.unexpected_error"), icon=":material/bug_report:")


def guarded(action: Callable[[], T]) -> T | None:
    """Run action; project errors become st.error, other errors are logged and shown generically."""
    try:
        return action()
    except Exception as exc:  # noqa: BLE001 - shown, and logged when it is not ours
        show_error(exc)
        return None


def render_empty(message_key: str) -> None:
    st.info(tr(message_key), icon=":material/info:")


def localise_times(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Format datetime columns for display in the session's language."""
    out = df.copy()
    for col in columns:
        if col in out:
            out[col] = out[col].map(fmt_time)
    return out


def fmt_time(value) -> str:
    """One stored time (see fmt_stored_time) for display in the session's language."""
    return fmt_stored_time(lang(), value)


def upload_limit_mb() -> int:
    """The app's largest upload in MB (PORTSIGHT_MAX_UPLOAD_MB), for photos and imports alike.

    Given to every uploader as its max_upload_size, so Streamlit's own hint ("10MB per file") states
    the limit the app enforces; the server's server.maxUploadSize is set to the same by every launcher.
    """
    return get_settings().max_upload_bytes // (1024 * 1024)


def state_label(state: str) -> str:
    return tr(f"common.state_{state}")


def severity_label(severity: str) -> str:
    return tr(f"common.severity_{severity}")


def flash(key: str, message: str) -> None:
    """Keep a success message under key and rerun, so every table on the page reflects the write."""
    st.session_state[key] = message
    st.rerun()


def show_flash(key: str) -> None:
    """Show (once) the message flash() left under key."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message)
