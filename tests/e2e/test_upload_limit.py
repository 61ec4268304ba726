"""Browser: the import uploader states the app's limit (PORTSIGHT_MAX_UPLOAD_MB, 10 MB), in the app's
words and in Streamlit's own hint, and a larger file is refused before it reaches the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD

pytestmark = pytest.mark.browser

LIMIT_MB = 10  # the default of PORTSIGHT_MAX_UPLOAD_MB, which the test server runs with


def test_the_import_uploader_states_and_keeps_the_apps_limit(app_server, page, tmp_path):
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    login(page, app_server, "admin", PASSWORD, path="data_exchange")
    expect_signed_in(page)
    settled(page)
    uploader = by_key(page, "exchange.upload")
    expect(uploader.get_by_test_id("stWidgetLabel")).to_contain_text(f"up to {LIMIT_MB} MB")
    expect(uploader.get_by_test_id("stFileUploaderDropzoneInstructions")).to_contain_text(f"{LIMIT_MB}MB per file")

    big = tmp_path / "big.csv"
    big.write_bytes(b"number\n" + b"0" * (LIMIT_MB * 1024 * 1024 + 1))
    uploader.locator("input[type=file]").set_input_files(str(big))
    expect(uploader).to_contain_text(f"File must be {LIMIT_MB}.0MB or smaller.")  # Streamlit's own refusal
    expect(by_key(page, "exchange.import").locator("button")).to_be_disabled()  # nothing reached the app
