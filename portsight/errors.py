"""The errors services raise for a person to read. Pages catch USER_ERRORS and show the message.

AccessDenied (portsight.domain.access) and TransitionNotAllowed (portsight.domain.inspection)
are defined in the domain and re-exported here; they are not subclasses of PortSightError, so
catch the tuple USER_ERRORS rather than PortSightError alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from portsight.domain.access import AccessDenied
from portsight.domain.inspection import TransitionNotAllowed


class PortSightError(Exception):
    """Base of the project's own errors: the message is meant for the user.

    The message is English (logs, the command line). A refusal a person meets on a page also
    names its message in the catalogues, `key` ("errors.alert_not_open") with its parameters,
    which the page shows in the reader's language (components/shell/widgets.show_error); an
    error without a key shows its English message.
    """

    message_key: str | None = None
    message_values: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, *args: Any, key: str | None = None, params: Mapping[str, Any] | None = None, **kw: Any) -> None:
        # *args and **kw pass through: DatabaseUnavailable is also SQLAlchemy's OperationalError.
        super().__init__(*args, **kw)
        if key is not None:  # else a subclass's own message_key (CodeMissing) stays
            self.message_key = key
            self.message_values = dict(params or {})

    @property
    def user_message(self) -> str:
        return str(self)


class NotFound(PortSightError):
    """The record asked for does not exist (or no longer exists)."""


class InvalidInput(PortSightError):
    """What was entered or imported is not acceptable; the message says what to correct."""


class Conflict(PortSightError):
    """The change clashes with what is already recorded (a duplicate number, a conflict of interest)."""


USER_ERRORS: tuple[type[Exception], ...] = (PortSightError, AccessDenied, TransitionNotAllowed)

__all__ = [
    "USER_ERRORS",
    "AccessDenied",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PortSightError",
    "TransitionNotAllowed",
]
