"""The selection page in Chromium: draw today's waiting declarations, see the draw and the realised-vs-target chart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.models import Declaration, Enterprise, Port
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import t
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser
LANG = "en"  # the test accounts' language


def add_waiting_declarations(url: str) -> None:
    """Three declarations received today at CNSGH; one from an enterprise under investigation (always inspected)."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNSGH"))
        for i, (tier, investigated) in enumerate([("general", True), ("dishonest", False), ("general", False)]):
            ent = Enterprise(
                uscc=f"91310000MA1E2E{i:03d}X",
                name=f"E2E Enterprise {i}",
                credit_tier=tier,
                under_investigation=investigated,
            )
            s.add(ent)
            s.flush()
            s.add(
                Declaration(
                    number=f"E2E-{i}",
                    port_id=port.id,
                    enterprise_id=ent.id,
                    direction="import",
                    transport_mode="sea",
                    origin_country="DE",
                    declared_at=utcnow() - timedelta(minutes=10),
                )
            )
    engine.dispose()


@pytest.fixture(scope="module")
def selection_server(tmp_path_factory, browser) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-selection")
    url = prepare_app_database(data_dir)
    add_waiting_declarations(url)
    base, proc = start_streamlit(data_dir, url)
    yield base
    stop(proc)


def test_selection_page_draws_today_and_shows_the_realised_vs_target_chart(selection_server, page):
    login(page, selection_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    page.get_by_role("link", name=t(LANG, "nav.selection"), exact=True).click()
    expect(page.get_by_role("heading", name=t(LANG, "selection.title"))).to_be_visible(timeout=20_000)
    waiting = page.get_by_test_id("stMetric").filter(has_text=t(LANG, "selection.waiting"))
    expect(waiting).to_contain_text("3")

    by_key(page, "selection.draw").locator("button").click()
    expect(page.get_by_text(t(LANG, "selection.drawn_n", n=3))).to_be_visible(timeout=20_000)
    inspected = page.get_by_test_id("stMetric").filter(has_text=t(LANG, "selection.outcome_inspect"))
    expect(inspected.get_by_test_id("stMetricValue")).to_have_text(re.compile(r"^[123]$"))
    expect(waiting.get_by_test_id("stMetricValue")).to_have_text("0")
    expect(page.get_by_text(t(LANG, "selection.draws_today"))).to_be_visible()

    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=20_000)
    expect(chart).to_contain_text(t(LANG, "selection.chart_title"))
    expect(chart).to_contain_text(t(LANG, "selection.chart_target"))
    expect(chart).to_contain_text(t(LANG, "selection.tier_dishonest"))
