"""The inspection's life: states, allowed transitions, decisions."""

from __future__ import annotations

from enum import StrEnum


class InspectionState(StrEnum):
    PENDING = "pending"  # selected for inspection, nobody assigned yet
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # checklist done, decision not yet taken
    RELEASED = "released"
    HELD = "held"
    RETURNED = "returned"
    DESTROYED = "destroyed"


class Decision(StrEnum):
    RELEASE = "release"
    HOLD = "hold"
    RETURN = "return"
    DESTROY = "destroy"


DECISION_STATE = {
    Decision.RELEASE: InspectionState.RELEASED,
    Decision.HOLD: InspectionState.HELD,
    Decision.RETURN: InspectionState.RETURNED,
    Decision.DESTROY: InspectionState.DESTROYED,
}

FINAL_STATES = frozenset(DECISION_STATE.values())
OPEN_STATES = frozenset(
    {InspectionState.PENDING, InspectionState.ASSIGNED, InspectionState.IN_PROGRESS, InspectionState.COMPLETED}
)

_ALLOWED: dict[InspectionState, frozenset[InspectionState]] = {
    InspectionState.PENDING: frozenset({InspectionState.ASSIGNED}),
    InspectionState.ASSIGNED: frozenset({InspectionState.IN_PROGRESS, InspectionState.ASSIGNED}),
    InspectionState.IN_PROGRESS: frozenset({InspectionState.COMPLETED}),
    InspectionState.COMPLETED: FINAL_STATES,
    # A held consignment may later be released, returned or destroyed once the hold is cleared.
    InspectionState.HELD: frozenset({InspectionState.RELEASED, InspectionState.RETURNED, InspectionState.DESTROYED}),
    InspectionState.RELEASED: frozenset(),
    InspectionState.RETURNED: frozenset(),
    InspectionState.DESTROYED: frozenset(),
}

# Column on the inspection that records when each state was entered (for fast queries).
STATE_TIMESTAMP = {
    InspectionState.ASSIGNED: "assigned_at",
    InspectionState.IN_PROGRESS: "started_at",
    InspectionState.COMPLETED: "completed_at",
    InspectionState.RELEASED: "decided_at",
    InspectionState.HELD: "decided_at",
    InspectionState.RETURNED: "decided_at",
    InspectionState.DESTROYED: "decided_at",
}


class TransitionNotAllowed(ValueError):
    """Raised when an inspection is asked to move to a state it cannot reach from where it is."""

    def __init__(self, current: str, target: str):
        super().__init__(f"An inspection that is '{current}' cannot become '{target}'.")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> InspectionState:
    """Return the target state if the move is allowed, else raise TransitionNotAllowed."""
    cur, tgt = InspectionState(current), InspectionState(target)
    if tgt not in _ALLOWED[cur]:
        raise TransitionNotAllowed(cur, tgt)
    return tgt


def can_transition(current: str, target: str) -> bool:
    return InspectionState(target) in _ALLOWED[InspectionState(current)]
