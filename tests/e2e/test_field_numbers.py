"""The container number read from the camera's photo, in Chromium at phone size: the fake camera is
fed a door (a Y4M clip of a drawn door), the photo fills the number field, marked as read from the
photo, and the inspector confirms it by saving the step."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.db.models import NumberReading
from portsight.db.session import make_engine
from tests.conftest import missing
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, by_key, settled
from tests.e2e.test_field_inspection import PHONE, WAIT, _declare, open_task, photos_text, save_and_expect
from tests.number_photos import door_y4m
from tests.pages.appdb import prepare_app_database

pytestmark = pytest.mark.browser

BOX = "TGHU7599330"
SLOT = f"container_number@{BOX}"


@pytest.fixture(scope="module")
def door_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("numbers_e2e")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    task = _declare(
        engine, "DEC-E2E-DOOR", transport_mode="sea", declared_at=datetime(2020, 6, 1, 2, tzinfo=UTC),
        goods=[{"hs_code": "4707100000", "description": "Recovered kraft paper", "quantity": 20, "unit": "bale",
                "gross_weight_kg": 21000, "value": 4200}],
        containers=[{"number": BOX, "size_type": "45G1", "declared_seal": "CN1234567"}],
    )  # fmt: skip
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield {"base": base, "task": task, "url": url}
    stop(proc)


@pytest.fixture(scope="module")
def door_camera(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    clip = door_y4m(BOX, tmp_path_factory.mktemp("camera") / "door.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


# The camera's video holds a picture (not the black of a stream still starting or being resized).
SHOWS_A_PICTURE = """v => {
    if (v.readyState < 2 || !v.videoWidth) return false;
    const c = document.createElement("canvas");
    c.width = 32; c.height = 24;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0, 32, 24);
    const d = g.getImageData(0, 0, 32, 24).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i];
    return sum / (d.length / 4) > 40;
}"""


def shoot(page: Page) -> None:
    """One photo of the door, once the camera shows it: a capture of a camera not playing yet is black."""
    settled(page)
    camera = by_key(page, f"field.camera.{SLOT}.0")
    video = camera.locator("video")
    video.scroll_into_view_if_needed()  # the page plays the camera only where it can be seen
    expect(video).to_be_in_viewport()
    page.wait_for_function(SHOWS_A_PICTURE, arg=video.element_handle())
    camera.get_by_role("button", name=re.compile("Take photo", re.I)).click()
    expect(photos_text(page, 1, 1)).to_be_visible()  # saved, and read (about a second, more on a busy machine)


def test_the_door_photo_fills_the_number_and_the_inspector_confirms_it(door_camera, door_server):
    context = door_camera.new_context(
        viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True, permissions=["camera"]
    )
    context.grant_permissions(["camera"], origin=door_server["base"])
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        open_task(page, door_server["base"], door_server["task"])
        settled(page)
        by_key(page, "field.accept").locator("button").click()
        expect(page.get_by_role("heading", name=re.compile("Container number"))).to_be_visible()
        shoot(page)
        expect(by_key(page, f"field.in.{SLOT}.number").locator("input")).to_have_value(BOX)
        reading = by_key(page, f"field.reading.{SLOT}.number")
        expect(reading.get_by_text(re.compile(rf"Read from the photo: {BOX} · confidence \d+"))).to_be_visible()
        expect(reading.get_by_role("img")).to_be_visible()  # the crop the number was read from
        expect(page.get_by_text(f"{BOX} is a valid ISO 6346 number.")).to_be_visible()
        page.screenshot(path="/tmp/field_number_read.png", full_page=True)
        save_and_expect(page, "Seal")
    finally:
        context.close()
    engine = make_engine(door_server["url"])
    with engine.connect() as conn:
        rows = conn.execute(select(NumberReading.proposed, NumberReading.confirmed, NumberReading.outcome)).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(BOX, BOX, "confirmed")]
