"""Browser: the gate officer checks a two-container receipt, lets the first container out on its truck, is
refused the same container again (typed, as a scanner types it), lets the second out; the receipt is then
used up, and says when in China time (the database keeps UTC)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portsight.clock import as_utc
from portsight.db.models import GateExit, ReleaseReceipt
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import fmt_datetime
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database
from tests.pages.test_gate_page import box_number, new_seal, released_containers_token

pytestmark = pytest.mark.browser

TIME = re.compile(r"\d{2} \w{3} \d{4} \d{2}:\d{2}")
FIRST, SECOND = box_number(201), box_number(202)


@pytest.fixture(scope="module")
def gate_server(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """(base URL, database URL, the code of a released two-container receipt) of an app of this module's own."""
    data_dir = tmp_path_factory.mktemp("e2e_gate")
    url = prepare_app_database(data_dir)
    token = released_containers_token(data_dir, url, "DEC-SEA-E2E", [FIRST, SECOND])
    base, proc = start_streamlit(data_dir, url)
    yield base, url, token
    stop(proc)


def _fill(page: Page, key: str, text: str) -> None:
    box = by_key(page, key).locator("input")
    box.fill(text)
    box.press("Tab")
    settled(page)


def _let_out(page: Page, plate: str, seal: str, container: str | None = None) -> None:
    if container is not None:  # typed, as a container-number scanner types it
        _fill(page, "gate.container_typed", container)
    _fill(page, "gate.plate", plate)
    _fill(page, "gate.seal", seal)
    by_key(page, "gate.let_out").locator("button").click()
    settled(page)


def test_a_two_container_receipt_lets_out_truck_by_truck_then_is_used_up(gate_server, page):
    base, url, token = gate_server
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, base, "gate", PASSWORD, path="gate")
    expect_signed_in(page)
    _fill(page, "gate.gate", "Gate 7")
    _fill(page, "gate.code", token)
    by_key(page, "gate.check").locator("button").click()
    settled(page)
    expect(page.get_by_text(re.compile("GENUINE and unused"))).to_be_visible()

    _let_out(page, "沪A 12345", new_seal(FIRST))  # the first container is picked already
    expect(page.get_by_text(f"{FIRST} left on truck 沪A12345 at Gate 7", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile("1 of 2 still to leave"))).to_be_visible()

    _let_out(page, "沪B54321", new_seal(FIRST), FIRST)
    refused = page.get_by_test_id("stAlertContentError")
    expect(refused).to_contain_text(f"{FIRST} has already left")
    expect(refused).to_contain_text("沪A12345")

    _let_out(page, "沪B54321", new_seal(SECOND), SECOND)
    expect(page.get_by_text(f"{SECOND} left on truck 沪B54321 at Gate 7", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile("now used up"))).to_be_visible()
    used = page.get_by_test_id("stAlertContentWarning")
    expect(used).to_contain_text("ALREADY USED at Gate 7")
    page.screenshot(path="/tmp/gate_truck_by_truck.png", full_page=True)

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        used_at = s.scalar(select(ReleaseReceipt.used_at).where(ReleaseReceipt.used_gate == "Gate 7"))
        exits = s.scalar(select(func.count()).select_from(GateExit))
    engine.dispose()
    assert used_at is not None and exits == 2
    shown = TIME.search(used.inner_text())
    assert shown is not None
    assert shown.group() == fmt_datetime("en", as_utc(used_at).astimezone(ZoneInfo("Asia/Shanghai")))
