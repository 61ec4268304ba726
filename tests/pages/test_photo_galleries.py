"""A stored photo that cannot be shown (damaged bytes kept before uploads were decoded, a file lost
from the disk) shows as a placeholder that says why; the field page and the inspection record open."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from portsight.config import load_settings
from portsight.db.models import Container, Evidence, User
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import t
from portsight.storage import media_path
from tests.pages.appdb import app_env, recovered_paper_task
from tests.pages.conftest import errors, login

BOX = "MSCU1234566"
DAMAGED = b"\xff\xd8\xff\xe0" + b"only the start of a JPEG " * 20


def _good_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 60)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def photos(app_db) -> dict[str, int]:
    """A task of the inspector with three photos on its first step: a readable one, a damaged file
    and a row whose file is not on the disk. Written around the services, as old data would be."""
    data_dir, url = app_db
    media_dir = load_settings(app_env(data_dir, url)).media_dir
    engine = make_engine(url)
    insp = recovered_paper_task(engine, number="DEC-PHOTO-PAGE", container=BOX, priority=1)
    ids: dict[str, int] = {"inspection": insp}
    with unit_of_work(engine) as s:
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
        box = s.scalar(select(Container.id).where(Container.number == BOX))
        for what, data, on_disk in (("good", _good_jpeg(), True), ("damaged", DAMAGED, True), ("lost", b"x", False)):
            sha = hashlib.sha256(data).hexdigest()
            if on_disk:
                path = media_path(media_dir, sha, ".jpg")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            row = Evidence(
                inspection_id=insp,
                step_key="container_number",
                container_id=box,
                sha256=sha,
                media_type="image/jpeg",
                size_bytes=len(data),
                original_name=f"{what}.jpg",
                source="upload",
                taken_at=datetime.now(UTC),
                taken_by_id=inspector,
            )
            s.add(row)
            s.flush()
            ids[what] = row.id
    engine.dispose()
    return ids


def placeholders(at) -> list[str]:
    return [c.value for c in at.caption if "broken_image" in c.value]


def expected(at, photo_id: int, why: str) -> str:
    lang = at.session_state["app.lang"] if "app.lang" in at.session_state else "zh_CN"
    return f":material/broken_image: {t(lang, 'common.photo_unavailable', id=photo_id, why=t(lang, why))}"


def test_the_field_page_shows_a_placeholder_for_a_damaged_or_lost_photo(new_app, photos):
    at = login(new_app().run(), "inspector")
    at.switch_page("pages/field_inspection.py").run()
    at.button(key=f"field.open.{photos['inspection']}").click().run()
    at.button(key="field.accept").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert at.selectbox(key="field.step_select").value == f"container_number@{BOX}"
    # Twice: under the step, and in the gallery of every photo of the inspection.
    assert placeholders(at) == 2 * [
        expected(at, photos["damaged"], "common.photo_why_unreadable"),
        expected(at, photos["lost"], "common.photo_why_missing"),
    ]
    assert len(at.get("image")) == 2  # the readable photo is still shown, in both places


def test_the_inspection_record_shows_a_placeholder_for_a_damaged_or_lost_photo(new_app, photos):
    at = login(new_app().run(), "supervisor")
    at.switch_page("pages/inspections.py").run()
    at.query_params["id"] = str(photos["inspection"])
    at.run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert placeholders(at) == [
        expected(at, photos["damaged"], "common.photo_why_unreadable"),
        expected(at, photos["lost"], "common.photo_why_missing"),
    ]
    assert len(at.get("image")) == 1


def _show_refusal() -> None:
    from components.shell.widgets import show_error
    from portsight.images import clean_photo

    try:
        clean_photo(b"\xff\xd8\xff\xe0" + b"only the start of a JPEG " * 20)
    except Exception as exc:  # noqa: BLE001 - shown as the page shows it
        show_error(exc)


def test_a_refused_photo_is_explained_in_the_users_language():
    at = AppTest.from_function(_show_refusal).run()
    assert not at.exception
    assert errors(at) == [t("zh_CN", "common.photo_unreadable", format="JPEG")]
