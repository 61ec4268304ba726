"""Browser: a supervisor picks a week, sees the cards and charts, downloads the PDF and the Excel."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine
from portsight.domain.stats import IsoWeek
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, nav_links
from tests.pages.appdb import PASSWORD, prepare_app_database


@pytest.fixture(scope="module")
def stats_server(tmp_path_factory) -> Iterator[str]:
    """The app over the prepared database with its rollups built."""
    data_dir = tmp_path_factory.mktemp("e2e_stats")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    rebuild_rollups(engine)
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield base
    stop(proc)


def test_pick_a_week_see_cards_and_charts_and_download_both_reports(stats_server, page):
    week = str(IsoWeek.of(datetime.now(UTC).date()))
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, stats_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    nav_links(page).filter(has_text="Statistics").click()
    expect(page.get_by_role("heading", name="Weekly statistics review")).to_be_visible(timeout=30_000)

    by_key(page, "statistics.week").click()
    page.get_by_role("option", name=week, exact=True).click()
    expect(page.get_by_text(f"Week {week} (")).to_be_visible(timeout=30_000)

    declarations = page.get_by_test_id("stMetric").filter(has_text="Declarations")
    expect(declarations.get_by_test_id("stMetricValue")).to_have_text("4")
    expect(page.get_by_test_id("stMetric")).to_have_count(12)  # ten for the week, two for how often OCR was right
    expect(page.locator(".stPlotlyChart")).to_have_count(8, timeout=30_000)
    expect(page.get_by_text("Inspections completed this week by the weekday and hour")).to_be_visible()

    by_key(page, "statistics.prepare").locator("button").click()
    expect(by_key(page, "statistics.download_pdf")).to_be_visible(timeout=60_000)

    with page.expect_download() as pdf_download:
        by_key(page, "statistics.download_pdf").locator("button").click()
    pdf = open(pdf_download.value.path(), "rb").read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert week in text
    for name in ("Shanghai", "上海", "Ningbo", "宁波"):
        assert name in text, name

    with page.expect_download() as xlsx_download:
        by_key(page, "statistics.download_excel").locator("button").click()
    wb = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read()))
    assert "Ports" in wb.sheetnames and "Key figures" in wb.sheetnames
    ports = {row[0] for row in wb["Ports"].iter_rows(min_row=2, values_only=True)}
    assert ports == {"CNSGH", "CNNGB"}
