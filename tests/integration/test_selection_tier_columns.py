"""Migration 0019: the draws recorded before it get their tier and forced flag from their inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import column, insert, select, table

from portsight.db import models as m
from portsight.db.migrate import upgrade
from portsight.db.session import make_engine
from tests.conftest import own_database

AT = datetime(2026, 3, 2, 8, tzinfo=UTC)
# the selections table as migration 0018 left it: no tier or forced column yet
SELECTIONS_0018 = table(
    "selections", *(column(c.name, c.type) for c in m.Selection.__table__.columns if c.name not in {"tier", "forced"})
)
INPUTS = {
    1: {"tier": "dishonest", "forced": True, "forced_hits": ["prohibited_goods"]},
    2: {"tier": "advanced_certified", "forced": False, "forced_hits": []},
    3: {"tier": "general"},  # a record without the flag counts as not forced
}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_draws_recorded_before_the_columns_get_them_from_their_inputs(kind, tmp_path):
    with own_database(kind, tmp_path, "before_0019", revision="0018") as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(insert(m.Port).values(id=1, code="CNSGH", name_en="Shanghai", name_zh="上海", kind="sea"))
            conn.execute(
                insert(m.Enterprise).values(id=1, uscc="91310000MA1FL0001X", name="企业", credit_tier="general")
            )
            conn.execute(
                insert(m.Declaration),
                [
                    {
                        "id": i,
                        "number": f"D{i}",
                        "port_id": 1,
                        "enterprise_id": 1,
                        "direction": "import",
                        "transport_mode": "sea",
                        "origin_country": "DE",
                        "declared_at": AT,
                    }
                    for i in INPUTS
                ],
            )
            conn.execute(
                insert(SELECTIONS_0018),
                [
                    {
                        "id": i,
                        "declaration_id": i,
                        "outcome": "release",
                        "reasons": [],
                        "rate": 0.1,
                        "seed": "s",
                        "code_version": "x",
                        "inputs": inputs,
                        "drawn_at": AT,
                    }
                    for i, inputs in INPUTS.items()
                ],
            )
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(select(m.Selection.id, m.Selection.tier, m.Selection.forced)).all()
        engine.dispose()
    assert sorted(rows) == [(1, "dishonest", True), (2, "advanced_certified", False), (3, "general", False)]
