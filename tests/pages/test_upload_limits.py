"""Every uploader states the app's own limit (PORTSIGHT_MAX_UPLOAD_MB), in its label in the user's
words and as its max_upload_size (which Streamlit shows as "N MB per file"), not Streamlit's 200 MB."""

from __future__ import annotations

import pytest

from portsight.db.session import make_engine
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import login


@pytest.fixture
def limit(monkeypatch) -> int:
    monkeypatch.setenv("PORTSIGHT_MAX_UPLOAD_MB", "7")  # not the default: the widget follows the setting
    return 7


def uploaders(at) -> list:
    return [element.proto for element in at.get("file_uploader")]


def test_the_import_uploader_states_the_apps_limit(new_app, limit):
    at = login(new_app().run(), "admin")
    at.switch_page("pages/data_exchange.py").run()
    assert not at.exception, at.exception
    [uploader] = uploaders(at)
    assert uploader.max_upload_size_mb == limit
    assert f"up to {limit} MB" in uploader.label


def test_the_photo_uploader_states_the_apps_limit(new_app, app_db, limit):
    engine = make_engine(app_db[1])
    task = recovered_paper_task(engine, number="DEC-PAPER-LIMIT", container="CSQU3054383", priority=1)
    engine.dispose()
    at = login(new_app().run(), "inspector")
    at.switch_page("pages/field_inspection.py").run()
    at.button(key=f"field.open.{task}").click().run()
    at.button(key="field.accept").click().run()
    assert not at.exception, at.exception
    [uploader] = uploaders(at)
    assert uploader.max_upload_size_mb == limit
    assert f"up to {limit} MB" in uploader.label
