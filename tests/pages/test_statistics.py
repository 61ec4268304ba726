"""Statistics page under AppTest: cards for the chosen week and scope, the report prepared by button."""

from __future__ import annotations

from datetime import UTC, datetime

from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine
from portsight.domain.stats import IsoWeek
from tests.pages.conftest import errors, login


def _open(new_app, app_db, username="supervisor"):
    engine = make_engine(app_db[1])
    rebuild_rollups(engine)
    engine.dispose()
    at = login(new_app().run(), username)
    at.switch_page("pages/statistics.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_week_with_data_shows_its_cards_and_charts(new_app, app_db):
    at = _open(new_app, app_db)
    week = str(IsoWeek.of(datetime.now(UTC).date()))
    at.selectbox(key="statistics.week").select(week).run()
    assert not at.exception and not errors(at)
    assert _metric(at, "Declarations") == "4"  # the prepared day of work: four declarations
    assert _metric(at, "Inspection rate") == "100.0%"
    assert len(at.get("plotly_chart")) == 8


def test_scope_one_port_counts_only_that_port(new_app, app_db):
    at = _open(new_app, app_db)
    at.selectbox(key="statistics.week").select(str(IsoWeek.of(datetime.now(UTC).date()))).run()
    port = next(o for o in at.selectbox(key="statistics.scope").options if "CNNGB" in o)
    at.selectbox(key="statistics.scope").select(port).run()
    assert _metric(at, "Declarations") == "1"


def test_preparing_the_report_offers_both_downloads(new_app, app_db):
    at = _open(new_app, app_db)
    at.button(key="statistics.prepare").click().run()
    assert not at.exception and not errors(at)
    assert at.session_state["statistics.report"][1].pdf.startswith(b"%PDF")
    assert at.session_state["statistics.report"][1].xlsx[:2] == b"PK"


def test_a_port_scoped_supervisor_only_chooses_among_their_ports(new_app, app_db):
    at = _open(new_app, app_db, "supervisor.sgh")
    options = at.selectbox(key="statistics.scope").options
    assert not any("CNNGB" in o for o in options)
