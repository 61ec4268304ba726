"""Field inspection in Chromium at phone size with the fake camera, then the gate.

Task 1, a recovered-paper container declared in 2020 (the impurity step applies): every step with
photos from the camera, the seal's integrity and the new seal after inspection (typed full-width), a
non-conforming impurity reading whose finding cites its standard, hold.
Task 2, an air shipment of laptops (the CCC step applies, the mark and certificate are there): release,
download the receipt; the gate accepts its code once, refuses it the second time, and refuses a tampered code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.db.models import Enterprise, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.conftest import missing
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, by_key, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser

BOX = "CSQU3054383"
SEAL = "CN1234567"
PHONE = {"width": 390, "height": 844}
WAIT = 30_000
expect.set_options(timeout=WAIT)


def _declare(engine, number: str, **extra) -> int:
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
    data = {"number": number, "port_code": "CNSGH", "enterprise_id": enterprise, "direction": "import",
            "origin_country": "US", **extra}  # fmt: skip
    declaration = register_declaration(engine, SYSTEM, data)
    inspection = open_inspection(engine, SYSTEM, declaration, priority=extra.pop("priority", 1))
    assign_inspectors(engine, SYSTEM, inspection, [inspector])
    return inspection


@pytest.fixture(scope="module")
def field_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("field_e2e")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    paper = _declare(
        engine, "DEC-E2E-PAPER", transport_mode="sea", declared_at=datetime(2020, 6, 1, 2, tzinfo=UTC),
        goods=[{"hs_code": "4707100000", "description": "Recovered kraft paper", "quantity": 20, "unit": "bale",
                "gross_weight_kg": 21000, "value": 4200}],
        containers=[{"number": BOX, "size_type": "45G1", "declared_seal": SEAL}],
    )  # fmt: skip
    air = _declare(
        engine, "DEC-E2E-AIR", transport_mode="air", declared_at=datetime(2025, 3, 3, 1, tzinfo=UTC),
        goods=[{"hs_code": "8471300000", "description": "Laptops", "quantity": 10, "unit": "pcs",
                "gross_weight_kg": 30, "value": 9000}],
    )  # fmt: skip
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield {"base": base, "paper": paper, "air": air, "data_dir": data_dir}
    stop(proc)


@pytest.fixture(scope="module")
def camera_browser():
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


@pytest.fixture
def phone(camera_browser, field_server):
    context = camera_browser.new_context(
        viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True, accept_downloads=True,
        permissions=["camera"],
    )  # fmt: skip
    context.grant_permissions(["camera"], origin=field_server["base"])
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()


def key_class(key: str) -> str:
    return "st-key-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


def photos_text(page: Page, have: int, need: int):
    return page.locator('[data-testid="stMarkdownContainer"]', has_text=re.compile(rf"Photos:\s*{have} of {need}\b"))


def take_photos(page: Page, slot: str, need: int) -> None:
    """Take `need` photos with the fake camera; each one is saved to the step when taken.

    The shutter is pressed again when the browser's camera had no frame yet (nothing captured):
    the fake device needs a moment after each new camera widget starts.
    """
    prefix = key_class(f"field.camera.{slot}.")
    for n in range(need):
        expect(photos_text(page, n, need)).to_be_visible()
        for attempt in range(4):
            settled(page)
            camera = page.locator(f'[class*="{prefix}"]')
            clear = camera.get_by_role("button", name=re.compile("Clear photo", re.I))
            if clear.count():
                clear.click()  # a capture that did not reach the server: start over
                settled(page)
            shoot = camera.get_by_role("button", name=re.compile("Take photo", re.I))
            expect(shoot).to_be_enabled()
            shoot.click()
            try:
                expect(photos_text(page, n + 1, need)).to_be_visible(timeout=8_000)
                break
            except AssertionError:
                if attempt == 3:
                    page.screenshot(path="/tmp/field_debug.png", full_page=True)
                    raise


def choose(page: Page, key: str, label: str) -> None:
    settled(page)
    by_key(page, key).get_by_text(label, exact=True).click()


def type_into(page: Page, key: str, value: str) -> None:
    settled(page)
    box = by_key(page, key).locator("input")
    box.fill(value)
    box.press("Enter")


def save_and_expect(page: Page, next_title: str | None) -> None:
    settled(page)
    by_key(page, "field.save").locator("button").click()
    if next_title:
        expect(page.get_by_role("heading", name=re.compile(re.escape(next_title)))).to_be_visible()


def sign_in_and_open(page: Page, base: str, username: str, title: str) -> None:
    """Sign in at the root, then open the page from the menu (on a phone the sidebar starts collapsed)."""
    login(page, base, username, PASSWORD)
    expand = page.get_by_test_id("stExpandSidebarButton")
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title)
    expect(link.first).to_be_attached()
    if expand.is_visible():
        expand.click()
    expect(link.first).to_be_in_viewport()
    link.first.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    if sidebar.get_attribute("data-collapsed") == "false":  # on a phone it covers the page: close it
        sidebar.hover()
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(sidebar).to_have_attribute("data-collapsed", "true")


def open_task(page: Page, base: str, inspection: int) -> None:
    sign_in_and_open(page, base, "inspector", "Field inspection")
    by_key(page, f"field.open.{inspection}").locator("button").click()


def test_inspect_with_camera_photos_record_an_impurity_finding_and_hold(phone, field_server):
    page, base, task = phone, field_server["base"], field_server["paper"]
    open_task(page, base, task)
    settled(page)
    by_key(page, "field.accept").locator("button").click()
    expect(page.get_by_role("heading", name=re.compile("Container number"))).to_be_visible()
    page.screenshot(path="/tmp/field_step_container.png", full_page=False)

    # Container number: checked as typed, with the expected check digit hinted.
    type_into(page, f"field.in.container_number@{BOX}.number", "CSQU3054384")
    expect(page.get_by_text("Check digit wrong: it should be 3")).to_be_visible()
    type_into(page, f"field.in.container_number@{BOX}.number", BOX)
    expect(page.get_by_text(f"{BOX} is a valid ISO 6346 number.")).to_be_visible()
    take_photos(page, f"container_number@{BOX}", 1)
    save_and_expect(page, "Seal")

    type_into(page, f"field.in.seal@{BOX}.seal_number", SEAL)
    expect(page.get_by_text("Matches the declared seal.")).to_be_visible()
    choose(page, f"field.in.seal@{BOX}.seal_class", "H")
    take_photos(page, f"seal@{BOX}", 1)
    save_and_expect(page, "Radiation reading")

    type_into(page, "field.in.radiation.dose_rate_ugy_h", "0.12")
    type_into(page, "field.in.radiation.background_ugy_h", "0.1")
    take_photos(page, "radiation", 1)
    save_and_expect(page, "Seal integrity")

    # View, tug, twist, turn: the seal holds (no photo: the seal's photo is the seal step's).
    for check in ("seal_view", "seal_tug", "seal_twist", "seal_turn"):
        choose(page, f"field.in.seal_integrity@{BOX}.{check}", "Yes")
    save_and_expect(page, "Goods against the declaration")

    choose(page, "field.in.goods.description_matches", "Yes")
    type_into(page, "field.in.goods.quantity", "20")
    type_into(page, "field.in.goods.gross_weight_kg", "21100")
    take_photos(page, "goods", 2)
    save_and_expect(page, "Impurity content")

    # A non-conforming impurity reading: the finding shows with its citation.
    type_into(page, "field.in.impurity.impurity_pct", "0.8")
    take_photos(page, "impurity", 1)
    save_and_expect(page, None)
    expect(page.get_by_text(re.compile("GB 16487.4-2017")).first).to_be_visible()
    expect(page.get_by_text(re.compile("Recovered paper impurity above the limit")).first).to_be_visible()
    page.screenshot(path="/tmp/field_finding.png", full_page=True)
    settled(page)
    by_key(page, "field.next").locator("button").click()
    expect(page.get_by_role("heading", name=re.compile("Packaging"))).to_be_visible()

    choose(page, "field.in.packaging.packaging_intact", "Yes")
    choose(page, "field.in.packaging.wood_packaging", "No")
    take_photos(page, "packaging", 1)
    save_and_expect(page, "Container body")

    for point in ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage"):
        choose(page, f"field.in.container_body@{BOX}.{point}", "Yes")
    take_photos(page, f"container_body@{BOX}", 7)
    page.screenshot(path="/tmp/field_step_body.png", full_page=False)
    save_and_expect(page, "New seal after inspection")

    # The new seal, typed as a Chinese input method in full-width mode gives it.
    type_into(page, f"field.in.reseal@{BOX}.new_seal_number", "ＨＧ７６５４３２１")
    choose(page, f"field.in.reseal@{BOX}.new_seal_class", "H")
    take_photos(page, f"reseal@{BOX}", 1)
    settled(page)
    by_key(page, "field.save").locator("button").click()
    expect(page.get_by_text("9 of 9 steps recorded")).to_be_visible()

    settled(page)
    complete = by_key(page, "field.complete").locator("button")
    expect(complete).to_be_enabled()
    complete.click()
    expect(page.get_by_text("Checklist completed: now take the decision.")).to_be_visible()
    # The finding with its citation is listed on the record, and the decision control says it blocks release.
    basis = re.compile(r"Basis: GB 16487\.4-2017.*\[recovered_paper_impurity\]")
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text=basis)).to_be_visible()
    blocked = page.get_by_test_id("stAlertContentError").filter(has_text="Release is blocked:")
    expect(blocked.filter(has_text=basis)).to_be_visible()
    expect(by_key(page, "field.decision").get_by_text("Release", exact=True)).to_have_count(0)
    choose(page, "field.decision", "Hold")
    settled(page)
    by_key(page, "field.confirm").get_by_text("I confirm this decision").click()
    page.screenshot(path="/tmp/field_decision.png", full_page=False)
    settled(page)
    by_key(page, "field.decide").locator("button").click()
    expect(page.get_by_text("Decision recorded: Hold.")).to_be_visible()
    expect(page.get_by_text(re.compile("This inspection is closed: Held"))).to_be_visible()


def test_release_download_the_receipt_and_the_gate_accepts_it_once(phone, field_server, camera_browser, tmp_path):
    page, base, task = phone, field_server["base"], field_server["air"]
    open_task(page, base, task)
    settled(page)
    by_key(page, "field.accept").locator("button").click()
    expect(page.get_by_role("heading", name=re.compile("Goods against the declaration"))).to_be_visible()
    choose(page, "field.in.goods.description_matches", "Yes")
    type_into(page, "field.in.goods.quantity", "10")
    type_into(page, "field.in.goods.gross_weight_kg", "30")
    take_photos(page, "goods", 2)
    save_and_expect(page, "Compulsory certification (CCC)")

    # Laptops are on the CCC list: the mark is on the nameplate and a certificate covers the model.
    for check in ("needs_ccc", "ccc_mark", "certificate_covers_model"):
        choose(page, f"field.in.ccc.{check}", "Yes")
    take_photos(page, "ccc", 2)
    save_and_expect(page, "Packaging")
    choose(page, "field.in.packaging.packaging_intact", "Yes")
    choose(page, "field.in.packaging.wood_packaging", "No")
    take_photos(page, "packaging", 1)
    settled(page)
    by_key(page, "field.save").locator("button").click()
    expect(page.get_by_text("3 of 3 steps recorded")).to_be_visible()
    settled(page)
    by_key(page, "field.complete").locator("button").click()
    choose(page, "field.decision", "Release")
    settled(page)
    by_key(page, "field.confirm").get_by_text("I confirm this decision").click()
    settled(page)
    by_key(page, "field.decide").locator("button").click()
    expect(page.get_by_text(re.compile(r"Released\. Receipt RR-CNSGH-"))).to_be_visible()
    token = page.locator('[data-testid="stCode"]').inner_text().strip()
    assert re.fullmatch(r"RR-CNSGH-\d{8}-[0-9A-F]{6}\.k\d+\.[0-9a-f]{24}", token), token  # number.key id.signature
    page.screenshot(path="/tmp/field_receipt.png", full_page=False)
    settled(page)
    with page.expect_download() as download:
        by_key(page, "field.receipt_download").locator("button").click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.name == f"{token.split('.')[0]}.pdf"

    gate_context = camera_browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    gate = gate_context.new_page()
    gate.set_default_timeout(WAIT)
    try:
        sign_in_and_open(gate, base, "gate", "Gate check")

        def check(code: str) -> None:
            settled(gate)
            box = by_key(gate, "gate.code").locator("input")
            box.fill(code)
            box.press("Enter")
            settled(gate)
            by_key(gate, "gate.check").locator("button").click()

        check(token)
        expect(gate.get_by_text(re.compile("GENUINE and unused"))).to_be_visible()
        gate.screenshot(path="/tmp/field_gate_genuine.png", full_page=False)
        # the air cargo (no containers) leaves on a truck: the receipt is used up
        by_key(gate, "gate.plate").locator("input").fill("沪A12345")
        by_key(gate, "gate.plate").locator("input").press("Tab")
        settled(gate)
        by_key(gate, "gate.let_out").locator("button").click()
        expect(gate.get_by_text(re.compile("now used up"))).to_be_visible()
        check(token)
        expect(gate.get_by_text(re.compile("ALREADY USED at Gate 1"))).to_be_visible()
        expect(gate.get_by_text(re.compile("GENUINE"))).to_have_count(0)
        tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
        check(tampered)
        expect(gate.get_by_text(re.compile("FORGED OR UNKNOWN"))).to_be_visible()
        gate.screenshot(path="/tmp/field_gate_forged.png", full_page=False)
    finally:
        gate_context.close()
