"""Statistics page under AppTest: cards for the chosen week and scope, the report prepared by button."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from portsight.catalogue import selection_policy, tier_name
from portsight.clock import utcnow
from portsight.db.models import Declaration, Enterprise, Port
from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine, unit_of_work
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


TIERS = {"advanced_certified": "91310000MA1FL8XA01", "dishonest": "91310000MA1FL8XD02"}


@contextmanager
def declarations_for_every_tier(url: str) -> Iterator[None]:
    """Declarations today from an advanced-certified and a dishonest enterprise besides the general one,
    removed again after (the other tests count the prepared day's four declarations)."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNSGH"))
        for i, (tier, uscc) in enumerate(TIERS.items()):
            ent = Enterprise(uscc=uscc, name=f"Targets {tier}", credit_tier=tier)
            s.add(ent)
            s.flush()
            declared = utcnow() - timedelta(minutes=30)
            s.add(Declaration(number=f"TGT-{i}", port_id=port.id, enterprise_id=ent.id, direction="import",
                              transport_mode="sea", origin_country="DE", declared_at=declared))  # fmt: skip
    try:
        yield
    finally:
        with unit_of_work(engine) as s:
            ids = select(Enterprise.id).where(Enterprise.uscc.in_(TIERS.values()))
            s.execute(delete(Declaration).where(Declaration.enterprise_id.in_(ids)))
            s.execute(delete(Enterprise).where(Enterprise.uscc.in_(TIERS.values())))
        engine.dispose()


def _targets(at, key: str) -> dict[str, float]:
    """{tier label: target} of the page's chart whose key ends with `key` (its "Target" trace)."""
    chart = next(el for el in at.get("plotly_chart") if el.proto.id.endswith(key))
    trace = next(t for t in json.loads(chart.proto.spec)["data"] if t.get("name") == "Target")
    return dict(zip(trace["x"], trace["y"], strict=True))


def test_selection_and_statistics_pages_show_the_same_targets(new_app, app_db):
    """One set of tier targets, from the rules in force, named as the credit measures in force name the tiers."""
    with declarations_for_every_tier(app_db[1]):
        at = _open(new_app, app_db)
        at.selectbox(key="statistics.week").select(str(IsoWeek.of(datetime.now(UTC).date()))).run()
        assert not at.exception and not errors(at)
        on_statistics = _targets(at, "statistics.chart_tiers")
    at.switch_page("pages/selection.py").run()
    assert not at.exception and not errors(at)
    on_selection = _targets(at, "selection.rates_chart")

    today = datetime.now(UTC).date()
    policy = selection_policy(today)
    expected = {tier_name(t, today, "en"): policy.target(t) for t in policy.tiers}
    assert on_selection == expected
    assert on_statistics == expected  # every tier has declarations this week
    assert expected["Advanced certified"] < 0.2 * expected[tier_name("general", today, "en")]
    caption = next(c.value for c in at.caption if c.value.startswith("Targets:"))
    assert "Advanced certified 1.0% (legal bound: below 20% of the" in caption
