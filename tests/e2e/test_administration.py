"""The administration page in Chromium, as an administrator: change an enterprise's credit tier
from today, see the change in its credit timeline and in the audit, then draw the waiting
declarations: the one declared today is drawn at the new tier's rate, yesterday's at the old."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portsight.clock import LOCAL_TZ, utcnow
from portsight.db.models import AuditEntry, Declaration, Enterprise, EnterpriseCreditHistory, Port, Selection
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import fmt_date, fmt_percent, t
from portsight.services.selection import current_policy
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser
LANG = "en"  # the test accounts' language
REASON = "Serious violation found at a customs audit"


def settled(page) -> None:
    """The script run is over, waiting as long as a shared 2-core machine may take (helpers.settled's marker)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)


def add_enterprise_and_declarations(url: str) -> int:
    """An enterprise of general credit since 2020 and two declarations waiting at CNSGH: one declared
    yesterday (China time), one now."""
    engine = make_engine(url)
    now = utcnow()
    with unit_of_work(engine) as s:
        port = s.scalars(select(Port).where(Port.code == "CNSGH")).one()
        ent = Enterprise(uscc="91310000MA1FL8LQ34", name="E2E Credit Co.", credit_tier="general")
        s.add(ent)
        s.flush()
        s.add(EnterpriseCreditHistory(enterprise_id=ent.id, credit_tier="general", valid_from=date(2020, 1, 1)))
        for number, declared_at in (("E2E-YESTERDAY", now - timedelta(days=1)), ("E2E-TODAY", now)):
            s.add(
                Declaration(
                    number=number,
                    port_id=port.id,
                    enterprise_id=ent.id,
                    direction="import",
                    transport_mode="sea",
                    origin_country="DE",
                    declared_at=declared_at,
                )
            )
        enterprise_id = ent.id
    engine.dispose()
    return enterprise_id


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory, browser) -> Iterator[tuple[str, str, int]]:
    data_dir = tmp_path_factory.mktemp("e2e-administration")
    url = prepare_app_database(data_dir)
    enterprise_id = add_enterprise_and_declarations(url)
    base, proc = start_streamlit(data_dir, url)
    yield base, url, enterprise_id
    stop(proc)


def test_a_tier_changed_from_today_is_in_the_timeline_the_audit_and_the_next_draw(admin_server, page):
    base, url, enterprise_id = admin_server
    page.set_default_timeout(60_000)  # a shared 2-core machine
    today = datetime.now(ZoneInfo(LOCAL_TZ)).date()
    login(page, base, "admin", PASSWORD, path=f"administration?enterprise={enterprise_id}")
    expect_signed_in(page)
    expect(page.get_by_role("heading", name=t(LANG, "administration.title"))).to_be_visible(timeout=30_000)
    picked = by_key(page, "administration.enterprise").get_by_role("combobox")
    expect(picked).to_have_value(re.compile(r"^E2E Credit Co\. · 91310000MA1FL8LQ34$"), timeout=30_000)
    settled(page)

    dishonest = t(LANG, "selection.tier_dishonest")
    by_key(page, "administration.tier").click()
    page.get_by_role("option", name=dishonest, exact=True).click()
    by_key(page, "administration.reason").locator("input").fill(REASON)
    by_key(page, "administration.record").locator("button").click()
    recorded = t(LANG, "administration.change_recorded", tier=dishonest, day=fmt_date(LANG, today))
    expect(page.get_by_text(recorded)).to_be_visible(timeout=30_000)

    timeline = page.locator('[data-testid="stDataFrame"]').first
    expect(timeline.get_by_text(REASON, exact=True)).to_have_count(1, timeout=30_000)
    expect(timeline.get_by_text(t(LANG, "administration.state_in_force"), exact=True)).to_have_count(1)
    audit = page.get_by_text(f"recorded a credit tier change of enterprise #{enterprise_id}")
    expect(audit).to_be_visible()
    expect(audit).to_contain_text(REASON)

    # The waiting declarations drawn on the selection page: today's at the new tier's rate.
    page.goto(f"{base}/selection")
    expect(page.get_by_role("heading", name=t(LANG, "selection.title"))).to_be_visible(timeout=30_000)
    settled(page)
    by_key(page, "selection.draw").locator("button").click()
    expect(page.get_by_text(t(LANG, "selection.drawn_n", n=2))).to_be_visible(timeout=30_000)
    policy = current_policy(today)
    draws = page.locator('[data-testid="stDataFrame"]').filter(has_text="E2E-TODAY")
    expect(draws.get_by_text(fmt_percent(LANG, policy.target("dishonest"), 1), exact=True)).to_have_count(1)
    expect(draws.get_by_text(fmt_percent(LANG, policy.target("general"), 1), exact=True)).to_have_count(1)

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            drawn = dict(
                conn.execute(
                    select(Declaration.number, Selection.rate)
                    .join(Selection, Selection.declaration_id == Declaration.id)
                    .where(Declaration.enterprise_id == enterprise_id)
                ).all()
            )
            audited = conn.execute(
                select(AuditEntry.actor, AuditEntry.after).where(
                    AuditEntry.action == "credit_change", AuditEntry.entity_id == str(enterprise_id)
                )
            ).one()
    finally:
        engine.dispose()
    assert drawn == {"E2E-YESTERDAY": policy.target("general"), "E2E-TODAY": policy.target("dishonest")}
    assert audited.actor == "admin" and audited.after["valid_from"] == today.isoformat()
