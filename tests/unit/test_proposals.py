"""What an expert may propose for a step: a value its input takes, kept in the text the inspector's
field shows, or the problem said in both languages."""

from __future__ import annotations

import pytest

from portsight.domain.conditions import InputSpec, Text
from portsight.domain.proposals import check_proposed_value, field_value

INPUTS = (
    InputSpec("seal_class", "choice", Text("封志等级", "Seal class"), choices=("I", "S", "H")),
    InputSpec("gross_weight_kg", "number", Text("毛重", "Gross weight"), unit="kg", min=0),
    InputSpec("intact", "bool", Text("完好", "Intact")),
    InputSpec("number", "text", Text("箱号", "Number"), code="code"),
)


@pytest.mark.parametrize(
    ("field", "proposed", "kept", "typed"),
    [
        ("seal_class", " h ", "H", "H"),
        ("gross_weight_kg", "1,000", "1000", 1000.0),
        ("gross_weight_kg", 12.5, "12.5", 12.5),
        ("intact", "yes", "true", True),
        ("intact", False, "false", False),
        ("number", "csqu 305438-3", "CSQU3054383", "CSQU3054383"),
    ],
)
def test_a_proposed_value_is_kept_as_the_input_reads_it(field, proposed, kept, typed):
    check = check_proposed_value(INPUTS, field, proposed)
    assert (check.value, check.problem) == (kept, None)
    spec = next(i for i in INPUTS if i.name == field)
    assert field_value(spec, check.value) == typed


@pytest.mark.parametrize(
    ("field", "proposed", "said"),
    [
        ("seal_class", "Z", "one of I / S / H"),
        ("gross_weight_kg", "-3", "from 0"),
        ("gross_weight_kg", "heavy", "a number"),
        ("intact", "perhaps", "yes or no"),
        ("number", "  ", "write the value you propose"),
        ("weight", "3", "no input weight"),
    ],
)
def test_a_value_the_input_cannot_take_is_refused_with_what_was_expected(field, proposed, said):
    check = check_proposed_value(INPUTS, field, proposed)
    assert check.value is None and said in check.problem.en and check.problem.zh
