"""The thresholds of the alert checks as data: the catalogue of parameters an administrator may
change (name, default, bounds, unit), and the limits the checks run with.

A value in force is dated (portsight.db.alert_parameters reads the newest value effective at a
moment, else the default here), so a change can be planned for a later day and every change keeps
its history. The checks receive the values as one AlertCheckLimits; they never read the table.

Pending periods: a condition of a kind listed in PENDING_KINDS must hold that long before its
alert fires (0: fires at once). Only the checks that say whether their condition still holds
(overdue, credit bound) can wait: an event that happened (a seal read) cannot "stop holding".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Unit = Literal["minutes", "days", "inspections", "draws"]

# The alert kinds that may wait in state "pending", and the parameter that says how long.
PENDING_KINDS = {"overdue": "pending_minutes_overdue", "credit_bound": "pending_minutes_credit_bound"}


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter: what it is called, its default and the bounds an administrator may set."""

    name: str
    default: int
    minimum: int
    maximum: int
    unit: Unit

    @property
    def title_key(self) -> str:
        return f"alert_settings.param_{self.name}"

    @property
    def help_key(self) -> str:
        return f"alert_settings.help_{self.name}"


PARAMETERS: tuple[ParameterSpec, ...] = (
    # the default is the deployment's PORTSIGHT_OVERDUE_MINUTES (with_overdue_default)
    ParameterSpec("overdue_minutes", 240, 30, 7 * 24 * 60, "minutes"),
    ParameterSpec("repeat_window_days", 30, 1, 365, "days"),
    # one non-conformity is not a repetition
    ParameterSpec("repeat_threshold", 3, 2, 100, "inspections"),
    ParameterSpec("credit_window_days", 28, 7, 365, "days"),
    # below some dozens of draws a realised rate says little about the tier
    ParameterSpec("credit_min_draws", 100, 20, 100_000, "draws"),
    ParameterSpec("pending_minutes_overdue", 0, 0, 24 * 60, "minutes"),
    ParameterSpec("pending_minutes_credit_bound", 0, 0, 7 * 24 * 60, "minutes"),
    ParameterSpec("escalation_minutes", 30, 5, 24 * 60, "minutes"),
)
BY_NAME = {p.name: p for p in PARAMETERS}


@dataclass(frozen=True)
class AlertCheckLimits:
    """The thresholds the checks run with (one field per parameter of PARAMETERS, same name)."""

    overdue_minutes: int = 240
    repeat_window_days: int = 30  # ... non-conformities counted over this window ...
    repeat_threshold: int = 3  # ... from this many distinct inspections raise an alert
    credit_window_days: int = 28  # a credit tier's realised rate is judged over this rolling window ...
    credit_min_draws: int = 100  # ... when the tier and the base tier each have this many draws in it
    pending_minutes_overdue: int = 0
    pending_minutes_credit_bound: int = 0
    escalation_minutes: int = 30  # an unacknowledged high alert goes to the next circle after this
    lookback_hours: int = 24  # how far back event-driven checks look when not told `since` (not a parameter)

    def pending_minutes(self, kind: str) -> int:
        """How long a condition of this alert kind must hold before it fires (0: at once)."""
        name = PENDING_KINDS.get(kind)
        return int(getattr(self, name)) if name else 0

    def value(self, name: str) -> int:
        """The value of a parameter of PARAMETERS by its name (KeyError for any other name)."""
        return int(getattr(self, BY_NAME[name].name))

    def with_value(self, name: str, value: int) -> AlertCheckLimits:
        """These limits with one parameter changed (the preview's "what if")."""
        return replace(self, **{BY_NAME[name].name: int(value)})


def defaults(overdue_minutes: int | None = None) -> dict[str, int]:
    """Every parameter's default; overdue_minutes: the deployment's own default, if it sets one."""
    values = {p.name: p.default for p in PARAMETERS}
    if overdue_minutes is not None:
        values["overdue_minutes"] = int(overdue_minutes)
    return values


def limits_from(values: dict[str, int]) -> AlertCheckLimits:
    return AlertCheckLimits(**{name: int(v) for name, v in values.items() if name in BY_NAME})


def whole_number(value: object) -> int | None:
    """A whole number as typed (digits, an int), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def value_problem(name: str, value: object) -> tuple[str, dict[str, object]] | None:
    """Why a value cannot be set for a parameter, as (message key, values), or None when it can."""
    spec = BY_NAME.get(name)
    if spec is None:
        return "alert_settings.error_unknown", {"name": name}
    number = whole_number(value)
    if number is None:
        return "alert_settings.error_not_whole", {"value": str(value)}
    if not spec.minimum <= number <= spec.maximum:
        return "alert_settings.error_range", {"value": number, "minimum": spec.minimum, "maximum": spec.maximum}
    return None
