"""The errors services raise for a person to read. Pages catch USER_ERRORS and show the message.

AccessDenied (portsight.domain.access) and TransitionNotAllowed (portsight.domain.inspection)
are defined in the domain and re-exported here; they are not subclasses of PortSightError, so
catch the tuple USER_ERRORS rather than PortSightError alone.
"""

from __future__ import annotations

from portsight.domain.access import AccessDenied
from portsight.domain.inspection import TransitionNotAllowed


class PortSightError(Exception):
    """Base of the project's own errors: the message is meant for the user."""

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
