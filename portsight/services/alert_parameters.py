"""Thresholds of the alert checks as an administrator changes them: a new value of one parameter,
effective now or from a later moment, with a reason; one transaction, audited with the value in
force before and the new one. The history stays (every value is a row of alert_parameters); the
checks read the value in force at each run (portsight.db.alert_parameters).

What cannot be stored is refused with ParameterRefused, whose problems are keys of the
`alert_settings` messages (the page shows them in the user's language).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portsight.clock import as_utc, utcnow
from portsight.config import Settings
from portsight.db.alert_parameters import values_in_force
from portsight.db.audit import record_audit
from portsight.db.models import AlertParameter
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.alert_parameters import value_problem, whole_number
from portsight.errors import InvalidInput
from portsight.i18n import t

# A form submitted a little after the moment it showed as "now" still means now.
NOW_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Problem:
    key: str
    values: Mapping[str, object] = field(default_factory=dict)


class ParameterRefused(InvalidInput):
    """A change that cannot be stored; `problems` say why, as message keys."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(t("en", p.key, **p.values) for p in self.problems))


def set_alert_parameter(
    db: Database,
    actor: Actor,
    name: str,
    value: object,
    *,
    reason: str,
    effective_from: datetime | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> int:
    """Give a parameter a new value from effective_from (default: now; never in the past), for the
    reason given (administrators only). Returns the new row's id."""
    require_role(actor, Role.ADMIN)
    now = as_utc(now or utcnow())
    effective = as_utc(effective_from) if effective_from is not None else now
    problems: list[Problem] = []
    wrong = value_problem(name, value)
    if wrong is not None:
        problems.append(Problem(*wrong))
    if effective < now - NOW_SLACK:
        problems.append(Problem("alert_settings.error_past", {"when": effective.isoformat(timespec="minutes")}))
    reason = (reason or "").strip()
    if not reason:
        problems.append(Problem("alert_settings.error_reason"))
    if problems:
        raise ParameterRefused(problems)
    number = whole_number(value)
    assert number is not None  # value_problem refused anything else
    with unit_of_work(db) as session:
        before = values_in_force(session, effective, settings)[name]
        row = AlertParameter(
            name=name,
            value=number,
            effective_from=max(effective, now),
            changed_at=now,
            changed_by_id=actor.user_id,
            reason=reason,
        )
        session.add(row)
        session.flush()
        record_audit(
            session,
            actor,
            "alert_parameter.set",
            "alert_parameter",
            name,
            before={"value": before},
            after={"value": number, "effective_from": row.effective_from, "reason": reason},
        )
        return row.id
