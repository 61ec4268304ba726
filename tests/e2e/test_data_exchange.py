"""Browser: an administrator uploads a declarations file with some bad rows, sees the report and downloads it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from portsight.exchange.synthetic import declaration_rows, rows_to_csv
from portsight.i18n import t
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, nav_links
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser
LANG = "en"  # the test accounts' language


@pytest.fixture(scope="module")
def exchange_server(tmp_path_factory, browser) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-exchange")
    url = prepare_app_database(data_dir)
    base, proc = start_streamlit(data_dir, url)
    yield base
    stop(proc)


def backbone_file(path) -> tuple[dict[str, str], int]:
    """Declarations at CNSGH (one written with the old code CNSHA); two of them with a fault."""
    rows = declaration_rows(8, seed=41, prefix="E2E", ports=("CNSGH", "CNSHA"))
    ids = list(dict.fromkeys(r["declaration_id"] for r in rows))
    faults = {ids[0]: "containers", ids[1]: "hs_code"}
    for r in rows:
        if r["declaration_id"] == ids[0] and r["containers"]:
            r["containers"] = "CSQU3054384:22G1"  # wrong check digit (3 is right)
        if r["declaration_id"] == ids[1]:
            r["hs_code"] = "9999000000"  # no such heading
    path.write_bytes(rows_to_csv(rows))
    return faults, len(ids)


def test_upload_with_bad_rows_shows_the_report_and_downloads_it(exchange_server, page, tmp_path):
    faults, n = backbone_file(tmp_path / "backbone.csv")
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, exchange_server, "admin", PASSWORD)
    expect_signed_in(page)
    nav_links(page).filter(has_text=t(LANG, "nav.data_exchange")).click()
    expect(page.get_by_role("heading", name=t(LANG, "nav.data_exchange"))).to_be_visible()

    by_key(page, "exchange.upload").locator("input[type=file]").set_input_files(str(tmp_path / "backbone.csv"))
    import_button = by_key(page, "exchange.import").locator("button")
    expect(import_button).to_be_enabled()
    import_button.click()

    rejected = t(LANG, "exchange.result_some_rejected", file="backbone.csv", n=len(faults), total=n, ok=n - len(faults))
    expect(page.get_by_text(rejected)).to_be_visible()
    expect(page.get_by_text(t(LANG, "exchange.report_title", file="backbone.csv"))).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').nth(3)).to_have_text(str(len(faults)))
    expect(page.locator('[data-testid="stMetricValue"]').nth(0)).to_have_text(str(n - len(faults)))

    with page.expect_download() as download:
        by_key(page, "exchange.download_report").locator("button").click()
    report = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    rejected = {r["declaration_id"]: r for r in report if r["status"] == "rejected"}
    assert {k: r["column"] for k, r in rejected.items()} == faults
    assert "check digit" in rejected[next(iter(faults))]["reason"]
    assert sum(r["status"] == "accepted" for r in report) == n - len(faults)
    assert any(r["reason"].startswith("port CNSHA read as CNSGH") for r in report if r["status"] == "accepted")


def test_the_import_button_and_result_name_the_file_and_an_all_rejected_file_says_nothing_was_imported(
    exchange_server, page, tmp_path
):
    rows = declaration_rows(4, seed=43, prefix="E2R")
    n = len({r["declaration_id"] for r in rows})
    (tmp_path / "all-bad.csv").write_bytes(rows_to_csv([dict(r, hs_code="9999000000") for r in rows]))
    page.set_default_timeout(60_000)
    login(page, exchange_server, "admin", PASSWORD)
    expect_signed_in(page)
    nav_links(page).filter(has_text=t(LANG, "nav.data_exchange")).click()
    by_key(page, "exchange.upload").locator("input[type=file]").set_input_files(str(tmp_path / "all-bad.csv"))
    import_button = by_key(page, "exchange.import").locator("button")
    expect(import_button).to_contain_text(t(LANG, "exchange.import_file", file="all-bad.csv"))
    import_button.click()

    expect(page.get_by_text(t(LANG, "exchange.result_all_rejected", file="all-bad.csv", n=n))).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').nth(0)).to_have_text("0")
    expect(page.get_by_text("the other", exact=False)).to_have_count(0)
