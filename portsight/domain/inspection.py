"""The inspection's life: states, allowed transitions, decisions.

A completed inspection is decided. Release, hold, return and destroy close it (a held one is
cleared later by a supervisor). Three decisions make release wait for something outside the
inspection and come back to it: treatment (e.g. fumigation) then re-inspection, a sample sent
to a laboratory (its result is recorded), and an attribute identification of suspected solid
waste (its conclusion is recorded). What each of those waits for is a *hold*; what blocks
release is portsight.domain.release's.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class InspectionState(StrEnum):
    PENDING = "pending"  # selected for inspection, nobody assigned yet
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # checklist done, decision not yet taken
    UNDER_TREATMENT = "under_treatment"  # treatment ordered; re-inspection follows
    AWAITING_LAB = "awaiting_lab"  # sample sent to a laboratory; release waits for the result
    IDENTIFICATION = "identification"  # attribute identification of suspected solid waste under way
    RELEASED = "released"
    HELD = "held"
    RETURNED = "returned"
    DESTROYED = "destroyed"


class Decision(StrEnum):
    RELEASE = "release"
    HOLD = "hold"
    RETURN = "return"
    DESTROY = "destroy"
    TREAT = "treat"
    SAMPLE = "sample"
    IDENTIFY = "identify"


# Decisions that close the inspection, and those that make it wait for a hold's result.
CLOSING_DECISIONS = (Decision.RELEASE, Decision.HOLD, Decision.RETURN, Decision.DESTROY)
WAITING_DECISIONS = (Decision.TREAT, Decision.SAMPLE, Decision.IDENTIFY)

DECISION_STATE = {
    Decision.RELEASE: InspectionState.RELEASED,
    Decision.HOLD: InspectionState.HELD,
    Decision.RETURN: InspectionState.RETURNED,
    Decision.DESTROY: InspectionState.DESTROYED,
    Decision.TREAT: InspectionState.UNDER_TREATMENT,
    Decision.SAMPLE: InspectionState.AWAITING_LAB,
    Decision.IDENTIFY: InspectionState.IDENTIFICATION,
}

# The hold a waiting decision opens, and the results that close it.
TREATMENT, LAB, IDENTIFICATION = "treatment", "lab", "identification"
HOLD_OF_DECISION = {Decision.TREAT: TREATMENT, Decision.SAMPLE: LAB, Decision.IDENTIFY: IDENTIFICATION}
HOLD_RESULTS = {
    TREATMENT: ("done",),
    LAB: ("pass", "fail"),
    IDENTIFICATION: ("waste", "not_waste"),
}
HOLD_STATE = {hold: DECISION_STATE[d] for d, hold in HOLD_OF_DECISION.items()}

FINAL_STATES = frozenset(DECISION_STATE[d] for d in CLOSING_DECISIONS)
AWAITING_RESULT_STATES = frozenset(DECISION_STATE[d] for d in WAITING_DECISIONS)
# The inspectors' work: what the service time (overdue alerts) is measured on.
ACTIVE_STATES = frozenset(
    {InspectionState.PENDING, InspectionState.ASSIGNED, InspectionState.IN_PROGRESS, InspectionState.COMPLETED}
)
# Not decided yet: one such inspection per declaration at a time.
OPEN_STATES = ACTIVE_STATES | AWAITING_RESULT_STATES

_ALLOWED: dict[InspectionState, frozenset[InspectionState]] = {
    InspectionState.PENDING: frozenset({InspectionState.ASSIGNED}),
    InspectionState.ASSIGNED: frozenset({InspectionState.IN_PROGRESS, InspectionState.ASSIGNED}),
    InspectionState.IN_PROGRESS: frozenset({InspectionState.COMPLETED}),
    InspectionState.COMPLETED: FINAL_STATES | AWAITING_RESULT_STATES,
    # After treatment the goods are inspected again; a result or a conclusion brings the decision back.
    InspectionState.UNDER_TREATMENT: frozenset({InspectionState.IN_PROGRESS}),
    InspectionState.AWAITING_LAB: frozenset({InspectionState.COMPLETED}),
    InspectionState.IDENTIFICATION: frozenset({InspectionState.COMPLETED}),
    # A held consignment may later be released, returned or destroyed once the hold is cleared.
    InspectionState.HELD: frozenset({InspectionState.RELEASED, InspectionState.RETURNED, InspectionState.DESTROYED}),
    InspectionState.RELEASED: frozenset(),
    InspectionState.RETURNED: frozenset(),
    InspectionState.DESTROYED: frozenset(),
}

# Column on the inspection that records when each state was entered (for fast queries). A state
# entered again (in progress after treatment, completed after a result) keeps its first time:
# the inspection started and first completed then, and the statistics measure that work.
STATE_TIMESTAMP = {
    InspectionState.ASSIGNED: "assigned_at",
    InspectionState.IN_PROGRESS: "started_at",
    InspectionState.COMPLETED: "completed_at",
    InspectionState.RELEASED: "decided_at",
    InspectionState.HELD: "decided_at",
    InspectionState.RETURNED: "decided_at",
    InspectionState.DESTROYED: "decided_at",
}
KEEP_FIRST_TIMESTAMP = frozenset({InspectionState.IN_PROGRESS, InspectionState.COMPLETED})


class TransitionNotAllowed(ValueError):
    """Raised when an inspection is asked to move to a state it cannot reach from where it is.

    The message is English; `key` and `params` name it in the catalogues for a page in the
    reader's language (as portsight.errors.PortSightError does)."""

    def __init__(
        self, current: str, target: str, *, key: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(f"An inspection that is '{current}' cannot become '{target}'.")
        self.current = current
        self.target = target
        self.message_key = key
        self.message_values = dict(params or {})


def check_transition(current: str, target: str) -> InspectionState:
    """Return the target state if the move is allowed, else raise TransitionNotAllowed."""
    cur, tgt = InspectionState(current), InspectionState(target)
    if tgt not in _ALLOWED[cur]:
        raise TransitionNotAllowed(
            cur,
            tgt,
            key="errors.transition_not_allowed",
            params={"current": {"state": cur.value}, "target": {"state": tgt.value}},
        )
    return tgt


def can_transition(current: str, target: str) -> bool:
    return InspectionState(target) in _ALLOWED[InspectionState(current)]
