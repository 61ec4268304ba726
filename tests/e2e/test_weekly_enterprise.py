"""Browser: in the weekly review a supervisor clicks an enterprise of the ranking and lands on its page
(/enterprise?id=N), with its record; the same URL opens the same page in a new tab."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portsight.db.models import Enterprise
from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine
from portsight.domain.stats import IsoWeek
from portsight.i18n import t
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, nav_links, settled
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser

ROW = 35  # the grid's header and row height (px): the first row's marker is below the header


@pytest.fixture(scope="module")
def review_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """The app over the prepared database (its day of work: one enterprise) with rollups built."""
    data_dir = tmp_path_factory.mktemp("e2e_weekly_enterprise")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    rebuild_rollups(engine)
    with engine.connect() as conn:
        enterprise_id = conn.scalar(select(Enterprise.id).where(Enterprise.name == "Demo Trading Co."))
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield base, enterprise_id
    stop(proc)


def test_click_an_enterprise_in_the_weekly_review_opens_its_page(review_server, page):
    base, enterprise_id = review_server
    week = str(IsoWeek.of(datetime.now(UTC).date()))
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, base, "supervisor", PASSWORD)
    expect_signed_in(page)
    nav_links(page).filter(has_text="Statistics").click()
    expect(page.get_by_role("heading", name="Weekly statistics review")).to_be_visible(timeout=30_000)
    by_key(page, "statistics.week").click()
    page.get_by_role("option", name=week, exact=True).click()
    expect(page.get_by_text(f"Week {week} (")).to_be_visible(timeout=30_000)

    ranking = by_key(page, "statistics.enterprises")
    ranking.scroll_into_view_if_needed()
    expect(ranking.locator("canvas").first).to_be_visible(timeout=30_000)
    settled(page)
    box = ranking.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + ROW + ROW / 2)  # the first row's marker: select the row

    expect(page).to_have_url(re.compile(rf"/enterprise\?id={enterprise_id}$"), timeout=30_000)
    expect(page.get_by_role("heading", name="Demo Trading Co.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(t("en", "enterprise.recent"), exact=True)).to_be_visible()

    tab = page.context.new_page()  # the URL is the page: a new tab opens the same enterprise, signed in
    tab.goto(page.url)
    expect(tab.get_by_role("heading", name="Demo Trading Co.")).to_be_visible(timeout=30_000)
    tab.close()
