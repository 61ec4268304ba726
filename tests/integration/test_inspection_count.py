"""count_inspections counts on inspections alone (joins only for the enterprise filter): it must
still agree with the list for every filter and scope."""

from __future__ import annotations

import pytest

from portsight.queries.inspections import InspectionFilter, count_inspections, export_inspections
from tests.integration.supervision_world import NBO, SGH
from tests.integration.test_overview_queries import many as many  # the fixtures, re-exported
from tests.integration.test_overview_queries import w as w

FILTERS = [
    {},
    {"states": ("pending",)},
    {"port_id": NBO},
    {"enterprise": "hengda"},
    {"container": "mscu"},
    {"hs_chapter": "72"},
    {"inspector_id": 4},
    {"decision": "hold"},
    {"port_id": SGH, "states": ("pending", "held")},
]


@pytest.mark.parametrize("scope", [None, frozenset({SGH})], ids=["national", "one port"])
def test_count_agrees_with_the_list_for_every_filter(w, many, scope):
    for f in FILTERS:
        flt = InspectionFilter(**f)
        assert count_inspections(w.db, scope, flt) == len(export_inspections(w.db, scope, flt)), f
    assert count_inspections(w.db, None, InspectionFilter()) > count_inspections(w.db, frozenset({SGH}))
