"""The inspections list's filters in a real browser: a filtered URL lists the matching rows; a filter
changed on the page goes into the URL; the same URL in a new tab (same browser, signed in) lists
the same rows; the back button restores the previous filters; the record's back button returns to
the filtered list."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import Page, expect

from portsight.i18n import t
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD

pytestmark = pytest.mark.browser
# The page-test day of work (tests/pages/appdb.py): at Shanghai DEC-TEST-0 in progress, DEC-TEST-1
# pending, DEC-TEST-2 released; at Ningbo DEC-TEST-3 held.
FILTERED = "inspections?port=CNSGH&state=pending&state=in_progress"
SHANGHAI_OPEN = ["DEC-TEST-0", "DEC-TEST-1"]


def expect_rows(page: Page, shown: list[str]) -> None:
    """The list's count, then its rows as the export of the same list reads them (the grid itself
    draws on a canvas, with no text to read)."""
    expect(page.get_by_text(t("en", "inspections.total", total=len(shown), pages=1))).to_be_visible(timeout=20_000)
    settled(page)
    by_key(page, "inspections.prepare_export").get_by_text(t("en", "inspections.prepare_export")).click()
    with page.expect_download() as download:
        by_key(page, "inspections.export_csv").locator("button").click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        assert sorted(r["declaration"] for r in csv.DictReader(f)) == sorted(shown)
    by_key(page, "inspections.prepare_export").get_by_text(t("en", "inspections.prepare_export")).click()
    settled(page)


def test_filters_live_in_the_url_through_a_new_tab_and_the_back_button(app_server, page):
    login(page, app_server, "supervisor", PASSWORD, path=FILTERED)
    expect_signed_in(page)
    expect_rows(page, SHANGHAI_OPEN)
    expect(by_key(page, "inspections.f_ports")).to_contain_text("CNSGH")
    settled(page)

    # The same URL in a new tab of the same browser: signed in, the same rows.
    tab = page.context.new_page()
    tab.goto(page.url)
    expect_signed_in(tab)
    expect_rows(tab, SHANGHAI_OPEN)
    tab.close()

    # A filter changed on the page goes into the URL (nothing at Shanghai is overdue).
    by_key(page, "inspections.f_overdue").get_by_text(t("en", "inspection_filters.overdue")).click()
    expect(page).to_have_url(re.compile(r"overdue=1"), timeout=20_000)
    assert "port=CNSGH" in page.url and "state=pending" in page.url and "state=in_progress" in page.url
    expect(page.get_by_text(t("en", "inspections.none"))).to_be_visible(timeout=20_000)
    settled(page)

    # The back button brings the previous filters back.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"overdue="), timeout=20_000)
    expect_rows(page, SHANGHAI_OPEN)
    expect(by_key(page, "inspections.f_overdue").locator("input")).not_to_be_checked()


def test_the_records_back_button_returns_to_the_filtered_list(app_server, page):
    login(page, app_server, "supervisor", PASSWORD, path=f"{FILTERED}&id=1")
    expect_signed_in(page)
    expect(by_key(page, "inspections.back")).to_be_visible(timeout=20_000)
    settled(page)
    by_key(page, "inspections.back").locator("button").click()
    expect(page).not_to_have_url(re.compile(r"[?&]id="), timeout=20_000)
    assert "port=CNSGH" in page.url and "state=pending" in page.url
    expect_rows(page, SHANGHAI_OPEN)
