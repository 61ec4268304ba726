"""The statistics page says how often the number read from a step's photo was right, per kind, for the week."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from portsight.clock import utcnow
from portsight.db.models import Inspection, NumberReading, Port
from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.stats import IsoWeek
from tests.pages.conftest import errors, login


def test_the_share_of_proposals_kept_is_shown_per_kind(new_app, app_db):
    engine = make_engine(app_db[1])
    now = utcnow()
    with unit_of_work(engine) as s:
        inspection = s.scalar(
            select(Inspection.id).join(Port, Port.id == Inspection.port_id).where(Port.code == "CNSGH")
        )
        row = {"inspection_id": inspection, "step_key": "container_number", "kind": "container_number",
               "read_at": now, "confirmed_at": now}  # fmt: skip
        s.execute(
            insert(NumberReading),
            [
                {**row, "proposed": "CSQU3054383", "confirmed": "CSQU3054383", "outcome": "confirmed"},
                {**row, "proposed": "CSQU3054383", "confirmed": "CSQU3054383", "outcome": "confirmed"},
                {**row, "proposed": "CSQU3054383", "confirmed": "CSQU3054383", "outcome": "confirmed"},
                {**row, "proposed": "MSKU6011672", "confirmed": "CSQU3054383", "outcome": "corrected"},
                {**row, "kind": "seal_number", "proposed": None, "confirmed": "CN1234567", "outcome": "typed"},
            ],
        )
    rebuild_rollups(engine)
    engine.dispose()
    at = login(new_app().run(), "supervisor")
    at.switch_page("pages/statistics.py").run()
    at.selectbox(key="statistics.week").select(str(IsoWeek.of(datetime.now(UTC).date()))).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    metrics = {m.label: m for m in at.metric}
    assert metrics["Container numbers"].value == "75.0%"
    assert "3 kept as read, 1 corrected" in metrics["Container numbers"].help
    assert metrics["Seal numbers"].value == "—"
    assert "1 typed where nothing was proposed" in metrics["Seal numbers"].help
