"""The seed's remembered checklists and release options are the domain's own answers: a checklist for several
containers made from the one-container checklist, and options remembered per catalogue state instead of per day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portsight.catalogue import default_catalogue
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.world import HS_CODES
from portsight.domain.checklist import generate_checklist
from portsight.domain.release import ReleaseCase, decision_options

DAY = date(2025, 6, 4)
CODES = [codes[0][0] for codes in HS_CODES.values()]


@pytest.fixture(scope="module")
def decisions() -> CatalogueDecisions:
    return CatalogueDecisions(default_catalogue())


@pytest.mark.parametrize("size_type", ["22G1", "45R1", "22U1"])
@pytest.mark.parametrize("n_boxes", [0, 1, 2, 5])
def test_a_checklist_for_many_containers_is_generate_checklists(decisions, size_type, n_boxes):
    sig, _ = decisions.day(DAY)
    for code in CODES:
        for origin in ("BR", "US"):
            shape = ((code,), origin, "general", "sea", "sea", size_type if n_boxes else "", n_boxes)
            expected = generate_checklist(decisions.facts(shape, DAY), DAY, decisions.catalogue)
            assert decisions.checklist(shape, DAY, sig) == expected


def test_options_remembered_on_one_day_answer_for_another_day_of_the_same_catalogue_state(decisions):
    later = DAY + timedelta(days=3)
    assert decisions.day(DAY)[0] == decisions.day(later)[0]
    for code in CODES:
        shape = ((code,), "US", "general", "sea", "sea", "22G1", 2)
        case = ReleaseCase(decisions.facts(shape, DAY), (), (), ())
        decisions.options("completed", case, DAY)
        assert decisions.options("completed", case, later) == decision_options(
            "completed", case, decisions.catalogue, later
        )
