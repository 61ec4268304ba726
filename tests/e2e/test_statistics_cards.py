"""Browser at 1440 x 900 (a common office screen): every statistics card shows its whole value in both
languages, durations of hours and of weeks included (no "3小时3…")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from portsight.clock import as_utc
from portsight.db.models import Declaration, Inspection
from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.stats import IsoWeek
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database
from tests.pages.test_gate_page import released_receipt_token

pytestmark = pytest.mark.browser

# Declaration to release: two of 3 h 35 min and one of 27 days; the median 3 h 35 min, the 90th
# percentile (interpolated) 21.8 days.
RELEASE_MINUTES = {"DEC-CARD-1": 215, "DEC-CARD-2": 215, "DEC-CARD-3": 27 * 24 * 60 + 305}


@pytest.fixture(scope="module")
def cards_server(tmp_path_factory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e_cards")
    url = prepare_app_database(data_dir)
    for number in RELEASE_MINUTES:
        released_receipt_token(data_dir, url, number)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        for number, minutes in RELEASE_MINUTES.items():
            decided = s.scalar(select(Inspection.decided_at).join(Declaration).where(Declaration.number == number))
            assert decided is not None
            s.execute(
                update(Declaration)
                .where(Declaration.number == number)
                .values(declared_at=as_utc(decided) - timedelta(minutes=minutes))
            )
    rebuild_rollups(engine)
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield base
    stop(proc)


# Streamlit cuts a card's value inside it (an ellipsis box within stMetricValue): measure every box.
CUT_OFF = """[...document.querySelectorAll('[data-testid=stMetricValue] *, [data-testid=stMetricDelta] *')]
    .filter(e => e.scrollWidth > e.clientWidth).map(e => e.innerText)"""


def test_every_card_shows_its_whole_value_at_1440_px(cards_server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, cards_server, "supervisor", PASSWORD, path="statistics")
    expect_signed_in(page)
    week = str(IsoWeek.of(datetime.now(UTC).date()))
    shown = {}
    for language, median, p90 in (("English", "3.6 h", "21.8 d"), ("中文", "3.6小时", "21.8天")):
        page.get_by_test_id("stSidebar").get_by_text(language, exact=True).click()
        settled(page)
        by_key(page, "statistics.week").click()
        page.get_by_role("option", name=week, exact=True).click()
        settled(page)
        values = page.get_by_test_id("stMetricValue")
        expect(values).to_have_count(12)  # ten for the week, two for how often OCR was right
        expect(values.nth(4)).to_have_text(median)
        expect(values.nth(5)).to_have_text(p90)
        shown[language] = page.evaluate(CUT_OFF)
    context.close()
    assert shown == {"English": [], "中文": []}
