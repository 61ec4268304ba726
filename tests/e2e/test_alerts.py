"""Alerts in a real browser: acknowledge and resolve with a comment, both in the audit history;
the same condition firing again re-opens the same alert with its count increased; ten alerts
selected and acknowledged with one comment (ten audit entries); filters kept in the URL through
a reload and the back button; /alerts?alert=<id> opens that alert."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portsight.db.alert_store import raise_alert
from portsight.db.models import Alert, AuditEntry, Port
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import t
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser
KEY = "e2e:seal_mismatch:inspection:1:container:1"
TITLE = "E2E seal on TGHU9876543: declared CN1234567, found CN9999999"


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser) -> Iterator[tuple[str, str]]:
    """A server of its own (no simulator, no background checks) so the test controls every raise."""
    data_dir = tmp_path_factory.mktemp("e2e_alerts")
    url = prepare_app_database(data_dir)
    base, proc = start_streamlit(data_dir, url, {"PORTSIGHT_SUPERVISION": "off"})
    yield base, url
    stop(proc)


def fire(url: str, key: str = KEY, title: str = TITLE, kind: str = "seal_mismatch") -> int:
    """The condition fires: the same call supervision makes (upsert by dedupe key)."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        port_id = session.scalar(select(Port.id).where(Port.code == "CNSGH"))
        raised = raise_alert(
            session,
            dedupe_key=key,
            kind=kind,
            severity="high",
            port_id=port_id,
            title=title,
            detail={"declared_seal": "CN1234567", "observed_seal": "CN9999999"},
        )
    engine.dispose()
    return raised.id


def select_all_rows(table) -> None:
    """Tick the list's select-all box: the row-marker cell of the grid's header (a canvas, so by position)."""
    expect(table.locator("canvas").first).to_be_visible(timeout=20_000)
    box = table.bounding_box()
    assert box is not None
    table.page.mouse.click(box["x"] + 18, box["y"] + 18)


def test_acknowledge_resolve_then_firing_again_reopens_with_count_two(server, page):
    base, url = server
    alert_id = fire(url)
    login(page, base, "supervisor.sgh", PASSWORD, path=f"alerts?alert={alert_id}")
    expect_signed_in(page)
    detail = by_key(page, "alerts.detail")
    expect(detail).to_contain_text(TITLE, timeout=20_000)
    state = detail.locator('[data-testid="stMetric"]').filter(has_text=t("en", "alerts.state"))
    expect(state).to_contain_text(t("en", "alerts.state_open"))

    settled(page)  # a rerun in flight shows the old and the new widget for a moment
    by_key(page, "alerts.ack_comment").locator("input").fill("looking into it")
    by_key(page, "alerts.ack").locator("button").click()
    expect(state).to_contain_text(t("en", "alerts.state_acknowledged"), timeout=20_000)

    settled(page)
    by_key(page, "alerts.resolve_comment").locator("textarea").fill("Seal replaced and photographed; carrier notified")
    by_key(page, "alerts.resolve").locator("button").click()
    expect(state).to_contain_text(t("en", "alerts.state_resolved"), timeout=20_000)
    history = by_key(page, "alerts.history")
    expect(history).to_contain_text(t("en", "alerts.action_acknowledge"))
    expect(history).to_contain_text(t("en", "alerts.action_resolve"))
    expect(history).to_contain_text("Seal replaced and photographed; carrier notified")

    # The audit log holds both, with who did it.
    engine = make_engine(url)
    with engine.connect() as conn:
        actions = conn.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert_id))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions] == [("acknowledge", "supervisor.sgh"), ("resolve", "supervisor.sgh")]

    assert fire(url) == alert_id  # the same condition fires again
    by_key(page, "alerts.refresh").locator("button").click()
    expect(state).to_contain_text(t("en", "alerts.state_open"), timeout=20_000)
    count = detail.locator('[data-testid="stMetric"]').filter(has_text=t("en", "alerts.count"))
    expect(count.locator('[data-testid="stMetricValue"]')).to_have_text("2")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Alert).where(Alert.dedupe_key == KEY)) == 1
        assert conn.execute(select(Alert.state, Alert.count).where(Alert.id == alert_id)).one() == ("open", 2)
    engine.dispose()


def test_ten_alerts_selected_and_acknowledged_with_one_comment_write_ten_audit_entries(server, page):
    base, url = server
    ids = [fire(url, f"e2e:bulk:{i}", f"E2E-BULK inspection {i} closed fast", "fast_no_photo") for i in range(10)]
    login(page, base, "supervisor.sgh", PASSWORD, path="alerts?kind=fast_no_photo&search=E2E-BULK")
    expect_signed_in(page)
    table = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).last
    expect(by_key(page, "alerts.bulk_count")).to_contain_text("0", timeout=20_000)
    settled(page)
    select_all_rows(table)
    expect(by_key(page, "alerts.bulk_count")).to_contain_text("10", timeout=20_000)
    settled(page)
    by_key(page, "alerts.bulk_comment").locator("textarea").fill("Photos requested from the port team")
    by_key(page, "alerts.bulk_ack").locator("button").click()
    expect(page.get_by_text(t("en", "alerts.bulk_acknowledged", count="10"))).to_be_visible(timeout=20_000)

    engine = make_engine(url)
    with engine.connect() as conn:
        entries = conn.execute(
            select(AuditEntry.entity_id, AuditEntry.actor, AuditEntry.after)
            .where(AuditEntry.entity == "alert", AuditEntry.action == "acknowledge")
            .where(AuditEntry.entity_id.in_([str(i) for i in ids]))
        ).all()
        states = conn.execute(select(Alert.state).where(Alert.id.in_(ids))).scalars().all()
    engine.dispose()
    assert sorted(int(e.entity_id) for e in entries) == sorted(ids)
    assert {(e.actor, e.after["comment"]) for e in entries} == {
        ("supervisor.sgh", "Photos requested from the port team")
    }
    assert states == ["acknowledged"] * 10


def test_filters_stay_in_the_url_through_a_reload_and_the_back_button(server, page):
    base, _ = server
    login(page, base, "supervisor.sgh", PASSWORD, path="alerts?severity=high&kind=seal_mismatch")
    expect_signed_in(page)
    kinds = by_key(page, "alerts.kinds")
    severities = by_key(page, "alerts.severity")
    expect(kinds).to_contain_text(t("en", "alerts.kind_seal_mismatch"), timeout=20_000)
    expect(severities).to_contain_text(t("en", "common.severity_high"))

    page.reload()
    expect(kinds).to_contain_text(t("en", "alerts.kind_seal_mismatch"), timeout=20_000)
    expect(severities).to_contain_text(t("en", "common.severity_high"))
    settled(page)

    # A filter changed on the page goes into the URL; the back button brings the previous one back.
    by_key(page, "alerts.search").locator("input").fill("TGHU9876543")
    by_key(page, "alerts.search").locator("input").press("Enter")
    expect(page).to_have_url(re.compile(r"search=TGHU9876543"), timeout=20_000)
    assert "kind=seal_mismatch" in page.url and "severity=high" in page.url
    settled(page)
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"search="), timeout=20_000)
    expect(by_key(page, "alerts.search").locator("input")).to_have_value("", timeout=20_000)
    expect(kinds).to_contain_text(t("en", "alerts.kind_seal_mismatch"))
