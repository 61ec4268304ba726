"""Browser: the live board opens what is behind its figures. "Overdue" opens the inspections list
filtered to overdue, as a URL that opens the same list in a new tab; the map draws coastlines
from this site's own file, and a click on a port shows the board of that port, clearable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from portsight.clock import utcnow
from portsight.db.migrate import upgrade
from portsight.db.models import Inspection
from portsight.db.overdue import ACTIVE_STATE_CODES
from portsight.db.session import make_engine
from portsight.demo.seed import seed_demo
from portsight.i18n import t
from portsight.security import hash_password
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.pages.appdb import PASSWORD

pytestmark = pytest.mark.browser

PORT = "CNSGH"
WAIT = 60_000  # ms: a cold server on a shared 2-core machine
LANGS = ("en", "zh_CN")  # the page speaks the account's language (the demo supervisor's is Chinese)


def in_any_language(key: str, **values: object) -> re.Pattern:
    """A message as shown in either language; a value given as None matches any number."""
    filled = {k: 999_999 if v is None else v for k, v in values.items()}
    texts = (re.escape(t(lang, key, **filled)).replace("999999", r"\d+") for lang in LANGS)
    return re.compile("|".join(texts))


@pytest.fixture(scope="module")
def board_server(tmp_path_factory, browser) -> Iterator[str]:
    """The app over one week of demo data, simulator off (the board holds still), with the two newest
    inspections still in the inspectors' hands opened six hours ago: overdue, whatever the hour the test runs
    (the seed leaves open work at any hour: waiting for the morning at night)."""
    data_dir = tmp_path_factory.mktemp("e2e_board")
    url = f"sqlite:///{data_dir / 'portsight.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, weeks=1, seed=7, demo=True, password_hash=hash_password(PASSWORD))
    with engine.begin() as conn:
        ids = conn.scalars(
            select(Inspection.id)
            .where(Inspection.state.in_(ACTIVE_STATE_CODES))
            .order_by(Inspection.id.desc())
            .limit(2)
        ).all()
        assert len(ids) == 2, "the seed left two inspections in the inspectors' hands"
        conn.execute(update(Inspection).where(Inspection.id.in_(ids)).values(created_at=utcnow() - timedelta(hours=6)))
    engine.dispose()
    base, proc = start_streamlit(data_dir, url, {"PORTSIGHT_SIMULATOR": "off", "PORTSIGHT_SUPERVISION": "off"})
    yield base
    stop(proc)


@pytest.fixture
def board(board_server, browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, board_server, "supervisor", PASSWORD, path="overview")
    expect_signed_in(page)
    expect(by_key(page, "overview.kpis")).to_be_visible(timeout=WAIT)
    yield page
    context.close()


def card(page: Page, key: str):
    """(the card's link, its value) for the card labelled by overview.<key>."""
    name = re.compile("^(" + "|".join(re.escape(t(lang, f"overview.{key}")) for lang in LANGS) + ")$")
    link = by_key(page, "overview.kpis").locator("a.ps-card").filter(has=page.locator(".ps-card-label", has_text=name))
    return link, link.locator(".ps-card-value")


def test_overdue_opens_the_overdue_inspections_and_the_link_can_be_shared(board, board_server):
    # today's declarations open the selection page, whose pool counts the same declarations
    expect(card(board, "declarations")[0]).to_have_attribute("href", "/selection", timeout=WAIT)  # a cold board
    link, value = card(board, "overdue")
    overdue = int(value.inner_text())
    assert overdue >= 2  # the two the fixture made overdue, and any the seed left
    link.click()
    expect(board).to_have_url(re.compile(r"/inspections\?(.*&)?overdue=1"), timeout=WAIT)
    # the list counts exactly what the board counted (one definition: portsight.db.overdue)
    total = in_any_language("inspections.total", total=overdue, pages=None)
    expect(board.get_by_text(total)).to_be_visible(timeout=WAIT)

    shared = board.context.new_page()  # the same signed-in browser, a new tab on the copied URL
    shared.goto(board.url)
    expect_signed_in(shared)
    expect(shared.get_by_text(total)).to_be_visible(timeout=WAIT)
    assert "overdue=1" in shared.url

    board.go_back()  # the browser's back button returns to the board
    expect(by_key(board, "overview.kpis")).to_be_visible(timeout=WAIT)


def test_the_map_has_coastlines_from_this_site_and_a_port_click_scopes_the_board(board, board_server):
    page = board
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    # coastlines drawn: plotly.js read the outlines served by the app (no CDN; test_offline.py blocks it)
    expect(chart.locator(".coastlines path").first).to_be_attached(timeout=WAIT)
    assert len(chart.locator(".coastlines path").first.get_attribute("d") or "") > 100

    # the marker of PORT: in each scattergeo trace, the points and their labels come in the same order
    box = page.evaluate(
        """code => {
            for (const trace of document.querySelectorAll('g.trace.scattergeo')) {
                const labels = [...trace.querySelectorAll('text')].map(el => el.textContent);
                const at = labels.indexOf(code);
                if (at >= 0) {
                    const r = trace.querySelectorAll('path.point')[at].getBoundingClientRect();
                    return {x: r.x + r.width / 2, y: r.y + r.height / 2};
                }
            }
            return null;
        }""",
        PORT,
    )
    assert box is not None, "the port is on the map"
    page.mouse.move(box["x"], box["y"])
    page.mouse.click(box["x"], box["y"])

    expect(page).to_have_url(re.compile(rf"/overview\?(.*&)?port={PORT}"), timeout=WAIT)
    scope = by_key(page, "overview.scope")
    expect(scope).to_contain_text(PORT, timeout=WAIT)
    # the board's links now open that port's lists
    link, _ = card(page, "overdue")
    expect(link).to_have_attribute("href", re.compile(rf"inspections\?port={PORT}&overdue=1$"), timeout=WAIT)

    # a new tab on the same URL shows the same port's board
    shared = page.context.new_page()
    shared.goto(page.url)
    expect_signed_in(shared)
    expect(by_key(shared, "overview.scope")).to_contain_text(PORT, timeout=WAIT)

    by_key(page, "overview.all_ports").get_by_role("button").click()
    expect(scope).to_have_count(0, timeout=WAIT)
    expect(page).not_to_have_url(re.compile("port="), timeout=WAIT)
