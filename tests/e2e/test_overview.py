"""The live overview in a real browser: with the simulator on, its numbers change by themselves;
an event committed by the test reaches the page within 2 s (commit -> DOM, printed)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.migrate import upgrade
from portsight.db.models import AuditEntry, Enterprise
from portsight.db.session import make_engine
from portsight.demo.declarations import arrivals_per_hour
from portsight.demo.seed import seed_demo
from portsight.demo.world import PORT_VOLUME
from portsight.domain.access import SYSTEM
from portsight.i18n import t
from portsight.security import hash_password
from portsight.services.declarations import register_declaration
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.pages.appdb import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, browser) -> Iterator[tuple[str, str]]:
    """The app over one week of demo data (the simulator repeats its enterprises' business),
    with the simulator on, stepping every second. Its declarations come at the seeded history's rhythm,
    quiet at night and at weekends: scaled to one every two seconds or so whatever the hour the test
    runs, the board has something new within its timeouts."""
    data_dir = tmp_path_factory.mktemp("e2e_overview")
    url = f"sqlite:///{data_dir / 'portsight.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, weeks=1, seed=7, demo=True, password_hash=hash_password(PASSWORD))
    engine.dispose()
    volume_factor = 1800 / sum(arrivals_per_hour(code, utcnow()) for code in PORT_VOLUME)
    base, proc = start_streamlit(
        data_dir,
        url,
        {
            "PORTSIGHT_SIMULATOR": "on",
            "PORTSIGHT_SIMULATOR_SECONDS": "1",
            "PORTSIGHT_SIMULATOR_VOLUME_FACTOR": f"{volume_factor:.1f}",
            "PORTSIGHT_SUPERVISION": "off",
        },
    )
    yield base, url
    stop(proc)


@pytest.fixture(scope="module")
def board(live_server, browser):
    """One signed-in supervisor on the overview, shared by the tests (the board is live anyway)."""
    base, _ = live_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    # Straight to the deep link on a fresh server, while the simulator writes: the login gate must
    # show (no legacy pages/ mode) and sign-in must not meet "database is locked".
    login(page, base, "supervisor", PASSWORD, path="overview")
    expect_signed_in(page)
    expect(by_key(page, "overview.kpis")).to_be_visible(timeout=30_000)
    yield page
    context.close()


def test_numbers_change_on_their_own_with_the_simulator_on(board):
    kpis = by_key(board, "overview.kpis")
    before = kpis.inner_text()
    # Nobody touches the page: the fragment refreshes and the simulator's work shows up.
    expect(kpis).not_to_have_text(before, timeout=30_000)


def test_an_event_committed_now_appears_on_the_board_and_the_delay_is_printed(live_server, board):
    _, url = live_server
    feed = by_key(board, "overview.feed")
    expect(feed).to_be_visible(timeout=30_000)

    engine = make_engine(url)
    with engine.connect() as conn:
        uscc = conn.scalar(select(Enterprise.uscc).limit(1))
    data = {
        "number": f"E2E{time.time_ns() % 10**12:012d}",
        "port_code": "CNSGH",
        "enterprise_uscc": uscc,
        "direction": "import",
        "transport_mode": "sea",
        "origin_country": "DE",
        "declared_at": utcnow(),
        "goods": [
            {
                "hs_code": "8471300000",
                "description": "Laptops",
                "quantity": 10,
                "unit": "pcs",
                "gross_weight_kg": 30,
                "value": 9000,
            }
        ],
    }
    declaration_id = register_declaration(engine, SYSTEM, data)
    committed = time.perf_counter()  # register_declaration has committed when it returns
    with engine.connect() as conn:
        event_id = conn.scalar(
            select(AuditEntry.id).where(AuditEntry.entity == "declaration", AuditEntry.entity_id == str(declaration_id))
        )
    engine.dispose()

    # The board is at or past the event: its "up to event #N" line (the feed's top 15 may already
    # have moved on, the simulator writes several events a second).
    board.wait_for_function(
        """id => {
            const el = document.querySelector('.st-key-overview-as_of');
            const m = el && el.innerText.match(/#(\\d+)/);
            return m !== null && Number(m[1]) >= id;
        }""",
        arg=event_id,
        # Speed is reported, not asserted (a loaded CI machine is not the measure); the issue's
        # goal is 2 s and the figure below is what this run saw.
        timeout=30_000,
    )
    shown = time.perf_counter()
    print(f"\ncommit -> DOM: {(shown - committed) * 1000:.0f} ms (event #{event_id}; goal 2000 ms)")


def test_pause_stops_the_refresh(board):
    page = board
    by_key(page, "overview.pause").locator("label").click()
    paused = re.compile("|".join(re.escape(t(lang, "overview.paused")) for lang in ("en", "zh_CN")))
    expect(page.get_by_text(paused)).to_be_visible(timeout=10_000)
