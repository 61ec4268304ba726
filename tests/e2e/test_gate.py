"""Browser: the gate officer checks a receipt twice; the second check's "already used" time is the
first check's, in China time (the database keeps UTC)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.clock import as_utc
from portsight.db.models import ReleaseReceipt
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import fmt_datetime
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database
from tests.pages.test_gate_page import released_receipt_token

pytestmark = pytest.mark.browser

TIME = re.compile(r"\d{2} \w{3} \d{4} \d{2}:\d{2}")


@pytest.fixture(scope="module")
def gate_server(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """(base URL, database URL, a released receipt's code) of an app of this module's own."""
    data_dir = tmp_path_factory.mktemp("e2e_gate")
    url = prepare_app_database(data_dir)
    token = released_receipt_token(data_dir, url)
    base, proc = start_streamlit(data_dir, url)
    yield base, url, token
    stop(proc)


def _check(page: Page, code: str) -> None:
    by_key(page, "gate.code").locator("input").fill(code)
    by_key(page, "gate.check").locator("button").click()
    settled(page)


def test_already_used_shows_the_first_checks_time_in_china_time(gate_server, page):
    base, url, token = gate_server
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, base, "gate", PASSWORD, path="gate")
    expect_signed_in(page)
    by_key(page, "gate.gate").locator("input").fill("Gate 7")

    _check(page, token)
    accepted = page.get_by_test_id("stAlertContentSuccess")
    expect(accepted).to_contain_text("Gate 7")
    first = TIME.search(accepted.inner_text())

    _check(page, token)
    refused = page.get_by_test_id("stAlertContentWarning")
    expect(refused).to_contain_text("ALREADY USED at Gate 7")
    second = TIME.search(refused.inner_text())

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        used_at = s.scalar(select(ReleaseReceipt.used_at).where(ReleaseReceipt.used_gate == "Gate 7"))
    engine.dispose()
    assert used_at is not None
    china = fmt_datetime("en", as_utc(used_at).astimezone(ZoneInfo("Asia/Shanghai")))
    assert first is not None and second is not None
    assert second.group() == first.group() == china
