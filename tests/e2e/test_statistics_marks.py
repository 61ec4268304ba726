"""Browser: a click on a mark of the weekly review's chart by credit tier opens the inspections list
of that tier's declarations of the week, as a URL in codes, listing as many as the mark counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine
from portsight.domain.stats import IsoWeek
from portsight.queries.statistics import week_review
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, nav_links
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser

WAIT = 60_000  # ms: a cold server on a shared 2-core machine


@pytest.fixture(scope="module")
def marks_server(tmp_path_factory) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """The app over the prepared day of work with its rollups built, and this week's tiers with
    their inspected declarations, in the chart's order."""
    data_dir = tmp_path_factory.mktemp("e2e_marks")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    rebuild_rollups(engine)
    tiers = week_review(engine, None, IsoWeek.of(datetime.now(UTC).date())).by_tier
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield base, [(str(t), int(n)) for t, n in zip(tiers["tier"], tiers["inspected"], strict=True)]
    stop(proc)


def test_a_tier_bar_opens_the_inspections_of_its_declarations(marks_server, page):
    base, tiers = marks_server
    tier, inspected = tiers[0]
    assert inspected > 0
    week = IsoWeek.of(datetime.now(UTC).date())
    page.set_default_timeout(WAIT)
    login(page, base, "supervisor", PASSWORD)
    expect_signed_in(page)
    nav_links(page).filter(has_text="Statistics").click()
    by_key(page, "statistics.week").click()
    page.get_by_role("option", name=str(week), exact=True).click()
    expect(page.get_by_text(f"Week {week} (")).to_be_visible(timeout=WAIT)

    bar = by_key(page, "statistics.chart_tiers").locator(".barlayer .point path").first
    bar.scroll_into_view_if_needed()
    bar.click(force=True)
    expect(page).to_have_url(re.compile(r"/inspections\?"), timeout=WAIT)
    for part in (f"declared_from={week.monday}", f"declared_to={week.sunday}", f"tier={tier}"):
        assert part in page.url, (part, page.url)
    pages = -(-inspected // 50)
    expect(page.get_by_text(f"{inspected} inspections, {pages} pages")).to_be_visible(timeout=WAIT)
    expect(by_key(page, "inspections.f_tier")).to_contain_text("Credit tier:", timeout=WAIT)  # the chip naming the tier
