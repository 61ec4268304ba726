"""The rules page in Chromium: an administrator switches a rule off and sees it in the audit log; a
supervisor reads a rule (switch disabled) and back-tests it by port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.catalogue import default_catalogue
from portsight.clock import utcnow
from portsight.db.models import AuditEntry, Declaration, Enterprise, GoodsLine, Port, RuleSetting
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import t
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser
LANG = "en"  # the test accounts' language
RULE = "wood_packaging_ispm15"


def add_recovered_paper(url: str) -> None:
    """Two recovered-paper declarations at CNSGH last week: the solid-waste ban would have hit both."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNSGH"))
        ent = Enterprise(uscc="91310000MA1E2ERULEX", name="E2E Paper Recycling", credit_tier="general")
        s.add(ent)
        s.flush()
        for i in range(2):
            dec = Declaration(number=f"E2E-PAPER-{i}", port_id=port.id, enterprise_id=ent.id, direction="import",
                              transport_mode="sea", origin_country="US",
                              declared_at=utcnow() - timedelta(days=3 + i))  # fmt: skip
            s.add(dec)
            s.flush()
            s.add(GoodsLine(declaration_id=dec.id, line_no=1, hs_code="470790", description="Recovered paper",
                            quantity=20, unit="t", gross_weight_kg=20000, value=3000))  # fmt: skip
    engine.dispose()


@pytest.fixture(scope="module")
def rules_server(tmp_path_factory, browser) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path_factory.mktemp("e2e-rules")
    url = prepare_app_database(data_dir)
    add_recovered_paper(url)
    base, proc = start_streamlit(data_dir, url)
    yield base, url
    stop(proc)


def open_rule(page: Page, base: str, username: str, search: str) -> None:
    login(page, base, username, PASSWORD)
    expect_signed_in(page)
    page.get_by_role("link", name=t(LANG, "nav.rules"), exact=True).click()
    expect(page.get_by_role("heading", name=t(LANG, "rules.title"))).to_be_visible(timeout=20_000)
    field = by_key(page, "rules.search").locator("input")
    field.fill(search)
    field.press("Enter")


def test_admin_switches_a_rule_off_and_sees_it_in_the_audit_log(rules_server, page):
    base, url = rules_server
    open_rule(page, base, "admin", "ISPM")
    expect(by_key(page, "rules.pick").get_by_role("combobox")).to_have_value(re.compile(f"^{RULE} — "), timeout=20_000)
    expect(page.get_by_role("heading", name=default_catalogue().get(RULE).title.en)).to_be_visible()
    expect(page.get_by_text(t(LANG, "rules.no_history"))).to_be_visible(timeout=20_000)
    switch = by_key(page, "rules.switch")
    expect(switch).to_have_attribute("data-stale", "false")  # this run's switch, not the last rule's
    expect(switch.get_by_role("switch")).to_be_checked(timeout=20_000)
    expect(switch.get_by_role("switch")).to_be_enabled()

    switch.get_by_text(t(LANG, "rules.switch_label")).click()
    expect(page.get_by_text(t(LANG, "rules.switched_off", rule=RULE))).to_be_visible(timeout=20_000)
    expect(switch.get_by_role("switch")).not_to_be_checked(timeout=20_000)
    history = page.get_by_test_id("stTable").filter(has_text=t(LANG, "rules.col_change"))
    row = history.locator("tbody tr")
    expect(row).to_have_count(1, timeout=20_000)
    expect(row.first).to_contain_text("admin")
    expect(row.first).to_contain_text(f"{t(LANG, 'rules.state_on')} → {t(LANG, 'rules.state_off')}")

    engine = make_engine(url)
    with engine.connect() as conn:
        audit = conn.execute(select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.entity_id == RULE)).all()
        setting = conn.scalar(select(RuleSetting.enabled).where(RuleSetting.rule_id == RULE))
    engine.dispose()
    assert audit == [("admin", "rule.disable")] and setting is False


def test_supervisor_reads_the_rule_and_back_tests_it_by_port(rules_server, page):
    base, _ = rules_server
    open_rule(page, base, "supervisor", "solid_waste")
    expect(by_key(page, "rules.pick").get_by_role("combobox")).to_have_value(
        re.compile("^solid_waste_import_ban — "), timeout=20_000
    )
    expect(by_key(page, "rules.switch").get_by_role("switch")).to_be_disabled(timeout=20_000)
    expect(page.get_by_text(t(LANG, "rules.read_only"))).to_be_visible()

    by_key(page, "rules.backtest_run").locator("button").click()
    hits = page.get_by_test_id("stMetric").filter(has_text=t(LANG, "rules.total_hits"))
    expect(hits).to_contain_text("2", timeout=20_000)
    by_port = page.get_by_test_id("stTable").filter(has_text=t(LANG, "rules.col_port"))
    expect(by_port.locator("tbody tr").filter(has_text="CNSGH")).to_contain_text("2")
    chart = by_key(page, "rules.backtest_chart").locator(".js-plotly-plot")
    expect(chart).to_be_visible(timeout=20_000)
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its main block
    expect(chart).to_be_visible()
    page.screenshot(path="/tmp/rules_page.png", full_page=True)
