"""The container number read from the step's photo on the field page, under AppTest: the photo fills
the number field, marked as read with its confidence and crop; saving confirms it; a photo with no
number leaves the field for typing and says what was read."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portsight.db.models import NumberReading, StepResult
from portsight.db.session import make_engine
from tests.number_photos import door_png
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login

PAGE = "pages/field_inspection.py"
BOX = "TGHU7599330"
SLOT = f"container_number@{BOX}"


@pytest.fixture(scope="module")
def door_task(app_db) -> int:
    engine = make_engine(app_db[1])
    insp = recovered_paper_task(engine, number="DEC-PAPER-OCR", container=BOX, priority=1)
    engine.dispose()
    return insp


def db_rows(app_db, stmt):
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


def started(new_app, task: int):
    at = login(new_app().run(), "inspector")
    at.switch_page(PAGE).run()
    at.button(key=f"field.open.{task}").click().run()
    if any(b.key == "field.accept" for b in at.button):
        at.button(key="field.accept").click().run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


def test_the_door_photo_fills_the_number_and_saving_confirms_it(new_app, app_db, door_task):
    at = started(new_app, door_task)
    at.file_uploader(key=f"field.upload.{SLOT}.0").set_value(("door.png", door_png(BOX), "image/png")).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert at.text_input(key=f"field.in.{SLOT}.number").value == BOX
    shown = " ".join(m.value for m in at.markdown)
    assert f"Read from the photo: **{BOX}** · confidence" in shown
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert "Where it was read on the photo" in captions, captions
    assert any(BOX in s.value for s in at.success)  # the check digit checks out as for a typed number
    at.button(key="field.save").click().run()
    assert not errors(at), errors(at)
    rows = db_rows(app_db, select(NumberReading.proposed, NumberReading.confirmed, NumberReading.outcome))
    assert [tuple(r) for r in rows] == [(BOX, BOX, "confirmed")]
    steps = db_rows(
        app_db, select(StepResult.step_key, StepResult.outcome).where(StepResult.inspection_id == door_task)
    )
    assert [tuple(r) for r in steps] == [("container_number", "conforming")]


def test_a_photo_without_a_number_says_so_and_leaves_the_field_for_typing(new_app, app_db, door_task):
    at = started(new_app, door_task)
    at.selectbox(key="field.step_select").set_value(f"seal@{BOX}").run()
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 120, 120)).save(blank, format="PNG")
    at.file_uploader(key=f"field.upload.seal@{BOX}.0").set_value(("seal.png", blank.getvalue(), "image/png")).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert not at.text_input(key=f"field.in.seal@{BOX}.seal_number").value
    assert any("No number checked out on the photo" in m.value for m in at.markdown)
