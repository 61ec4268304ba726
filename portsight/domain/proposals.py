"""What an expert may propose for a step during a call: a value for one of its inputs, or an outcome.

The inspector confirms or dismisses a proposal and still saves the step: a proposal only fills in
what the inspector would have typed. A proposed value is checked as the step's judging will read
it, so a confirmed proposal never makes the step invalid by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portsight.domain.checklist import InspectionChecklist, Slot
from portsight.domain.conditions import InputSpec, Text
from portsight.domain.rules import CONFORMING, NON_CONFORMING, convert_input

PROPOSED_OUTCOMES = (CONFORMING, NON_CONFORMING)
PROPOSED, CONFIRMED, DISMISSED = "proposed", "confirmed", "dismissed"


@dataclass(frozen=True)
class ProposalCheck:
    value: str | None  # the value as the inspector's field takes it, in text
    problem: Text | None


def asked_slot(checklist: InspectionChecklist, step_key: str | None) -> Slot | None:
    """The slot a request names: its slot id ("seal@CSQU3054383"), or a step key naming one slot only."""
    if not step_key:
        return None
    found = checklist.slot(step_key)
    if found is not None:
        return found
    matches = [s for s in checklist.slots if s.step.key == step_key]
    return matches[0] if len(matches) == 1 else None


def as_field_text(value: Any) -> str:
    """A converted value in the text a proposal keeps ("true", "12.5", "H")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def check_proposed_value(inputs: tuple[InputSpec, ...], field: str, value: Any) -> ProposalCheck:
    """A value proposed for the step input named field: kept in its canonical text, or the problem."""
    spec = next((i for i in inputs if i.name == field), None)
    if spec is None:
        names = ", ".join(i.name for i in inputs) or "—"
        return ProposalCheck(
            None, Text(f"此步骤没有输入项 {field}（有：{names}）", f"The step has no input {field} ({names}).")
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        return ProposalCheck(
            None, Text(f"{spec.title.zh}：请填写建议值", f"{spec.title.en}: write the value you propose")
        )
    converted, problem = convert_input(spec, value)
    if problem is not None:
        return ProposalCheck(None, problem)
    return ProposalCheck(as_field_text(converted), None)


def field_value(spec: InputSpec, text: str) -> Any:
    """A proposal's kept text as the inspector's widget holds it (bool, float or text)."""
    converted, problem = convert_input(spec, text)
    return text if problem is not None else converted
