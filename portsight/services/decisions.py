"""The decision at the container on a completed inspection, and the results release waits for.

Decisions: release, hold, return, destroy; treat (then re-inspect), sample for a laboratory,
identify suspected solid waste. Policy:
- what blocks release, and which decisions are open, is portsight.domain.release's; the lifecycle
  (portsight.services.inspections.decide_inspection) enforces it for every caller, this one too;
- return and destroy need a second inspector recorded on the inspection
  (portsight.domain.checklist.second_inspector_required); named here, the lifecycle checks it too;
- the inspector confirms the decision explicitly.
A release issues the receipt in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    Finding,
    Inspection,
    InspectorAssignment,
    User,
)
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import covers_port, is_active_inspector
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.checklist import second_inspector_required
from portsight.domain.inspection import AWAITING_RESULT_STATES, Decision, InspectionState
from portsight.errors import Conflict, InvalidInput
from portsight.security import Keyring
from portsight.services import inspections as lifecycle
from portsight.services.field import one_transaction, require_my_inspection
from portsight.services.receipts import issue_receipt


def take_decision(
    db: Database,
    actor: Actor,
    inspection_id: int,
    decision: str,
    *,
    confirmed: bool,
    second_inspector_id: int | None = None,
    secret: str | Keyring | None = None,
    what: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Decide a completed inspection; a release issues the receipt.

    The inspector confirms (confirmed=True). Release is refused while anything blocks it (the
    Conflict names each reason). Return and destroy need a second inspector: the one assigned, or
    one named here (an active inspector at the port, not the decider, without a conflict of
    interest), who is recorded. Treat, sample and identify say `what` is done and make the
    inspection wait for its result (services.inspections.record_hold_result).
    One transaction: the second inspector, the decision and the receipt land together or not at all.
    """
    require_role(actor, Role.INSPECTOR)
    try:
        decision = Decision(decision).value
    except ValueError as exc:
        raise InvalidInput(
            f"'{decision}' is not a decision ({', '.join(d.value for d in Decision)}).", key="errors.decision_unknown"
        ) from exc
    if not confirmed:
        raise InvalidInput(
            "Confirm the decision first: tick the confirmation and submit again.", key="errors.decision_unconfirmed"
        )
    if decision == Decision.RELEASE.value and not secret:
        raise InvalidInput("Release needs the server secret to sign the receipt.", key="errors.receipt_no_secret")
    now = now or utcnow()
    with one_transaction(db) as conn:
        second_id = None
        with unit_of_work(conn) as session:
            # Waiting for a result, the lifecycle refuses with what release waits for.
            states = (InspectionState.COMPLETED.value, *sorted(AWAITING_RESULT_STATES))
            inspection = require_my_inspection(session, actor, inspection_id, *states)
            severities = list(session.scalars(select(Finding.severity).where(Finding.inspection_id == inspection_id)))
            if second_inspector_required(decision):
                second_id = _second_inspector(session, actor, inspection, second_inspector_id, now)
            record_audit(
                session,
                actor,
                "field.decide",
                "inspection",
                inspection_id,
                after={
                    "decision": decision,
                    "confirmed": True,
                    "second_inspector_id": second_id,
                    "finding_severities": severities,
                },
                port_id=inspection.port_id,
            )
        result = lifecycle.decide_inspection(conn, actor, inspection_id, decision, what=what, now=now)
        result["second_inspector_id"] = second_id
        if decision == Decision.RELEASE.value:
            assert secret, "a release without the secret is refused before the transaction"
            receipt = issue_receipt(conn, actor, inspection_id, secret=secret, now=now)
            result["receipt_no"] = receipt["receipt_no"]
            result["token"] = receipt["token"]
        return result


def _second_inspector(session: Session, actor: Actor, inspection: Inspection, wanted: int | None, now: datetime) -> int:
    assigned = dict(
        session.execute(
            select(InspectorAssignment.user_id, InspectorAssignment.position).where(
                InspectorAssignment.inspection_id == inspection.id
            )
        ).all()
    )
    if wanted is None:
        others = [uid for uid, pos in assigned.items() if uid != actor.user_id]
        if not others:
            raise InvalidInput(
                "This decision needs a second inspector; choose the colleague who checked it with you.",
                key="errors.second_inspector_needed",
            )
        return others[0]
    wanted = int(wanted)
    if wanted == actor.user_id:
        raise InvalidInput("The second inspector must be someone other than you.", key="errors.second_inspector_self")
    if wanted in assigned:
        return wanted
    user = session.get(User, wanted)
    if user is None or not is_active_inspector(user):
        raise InvalidInput("The second inspector must be an active inspector.", key="errors.second_inspector_inactive")
    if not covers_port(session, user, inspection.port_id):
        raise InvalidInput(
            f"{user.display_name} does not work at this port.",
            key="errors.second_inspector_other_port",
            params={"user": user.display_name},
        )
    enterprise_id = session.scalar(select(Declaration.enterprise_id).where(Declaration.id == inspection.declaration_id))
    if session.scalar(
        select(ConflictOfInterest.id).where(
            ConflictOfInterest.user_id == wanted, ConflictOfInterest.enterprise_id == enterprise_id
        )
    ):
        raise Conflict(
            f"{user.display_name} has a declared conflict of interest with this enterprise.",
            key="errors.second_inspector_conflict",
            params={"user": user.display_name},
        )
    session.add(InspectorAssignment(inspection_id=inspection.id, user_id=wanted, position="second", assigned_at=now))
    return wanted


__all__ = ["take_decision"]
