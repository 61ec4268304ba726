"""Ringing in Chromium: an inspector asks for help; the expert, signed in on another page, is rung
(banner, the tone's code path, who is coming on the inspector's side) and joins through the ring.

No call is made (no WebRTC): the ring and the join are what is tested. Chromium is started with
autoplay allowed, as for a user who has already clicked in the app, so the tone's path runs to
"played"; the flag is the data attribute the ringer's script sets on the app's <body>.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.db.models import AssistSession, User
from portsight.db.session import make_engine, unit_of_work
from portsight.services.accounts import authenticate
from portsight.services.assist import cancel_assist
from tests.conftest import missing
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser

WAIT = 30_000
QUESTION = "Is this marking on the carton genuine?"
expect.set_options(timeout=WAIT)


@pytest.fixture(scope="module")
def ringing_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ringing_e2e")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    inspector = authenticate(engine, "inspector", PASSWORD).actor
    with unit_of_work(engine) as s:
        waiting = s.scalar(select(AssistSession.id).where(AssistSession.state == "waiting"))
        inspection = s.scalar(select(AssistSession.inspection_id).where(AssistSession.id == waiting))
    cancel_assist(engine, inspector, waiting)  # the prepared request was written without ringing anyone
    base, proc = start_streamlit(data_dir, url)
    yield {"base": base, "url": url, "inspection": inspection}
    stop(proc)
    engine.dispose()


@pytest.fixture(scope="module")
def ringing_browser():
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


def _page(browser, base: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.grant_permissions(["camera", "microphone"], origin=base)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return page


def _open_request(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        sid, state = s.execute(
            select(AssistSession.id, AssistSession.state).order_by(AssistSession.id.desc()).limit(1)
        ).one()
    engine.dispose()
    return sid, state


def test_an_expert_on_another_page_is_rung_and_joins(ringing_browser, ringing_server):
    base = ringing_server["base"]
    expert = _page(ringing_browser, base)
    login(expert, base, "expert", PASSWORD)
    expect_signed_in(expert)
    settled(expert)

    inspector = _page(ringing_browser, base)
    login(inspector, base, "inspector", PASSWORD, path=f"remote_assist?inspection={ringing_server['inspection']}")
    expect_signed_in(inspector)
    by_key(inspector, "assist.question").locator("textarea").fill(QUESTION)
    inspector.get_by_role("button", name="Ask for an expert").click()
    expect(inspector.get_by_text("Waiting for an expert to join")).to_be_visible()
    sid, state = _open_request(ringing_server["url"])
    assert state == "waiting"
    coming = by_key(inspector, f"ringing.coming.{sid}")
    expect(coming).to_contain_text("Ringing every expert who covers this port.")
    expect(coming).to_contain_text("ringing")

    # the expert, still on the home page, hears it within the ringer's period
    banner = by_key(expert, f"ringing.banner.{sid}")
    expect(banner).to_contain_text(f"Request #{sid} is ringing you")
    expect(banner).to_contain_text(QUESTION)
    expect(expert.locator("body")).to_have_attribute("data-ring", re.compile(r"^\d+$"))
    expect(expert.locator("body")).to_have_attribute("data-ring-sound", "played")
    # the tab is in front: the notification is for a tab in the background
    expect(expert.locator("body")).to_have_attribute("data-ring-notification", "none")

    by_key(expert, f"ringing.join.{sid}").get_by_role("button").click()
    expect(expert).to_have_url(f"{base}/remote_assist?room={sid}", timeout=WAIT)
    assert _open_request(ringing_server["url"]) == (sid, "active")
    expect(by_key(expert, f"ringing.banner.{sid}")).to_have_count(0)
    expect(inspector.get_by_text("is joining the call").or_(inspector.get_by_text("joined"))).to_be_visible()

    engine = make_engine(ringing_server["url"])
    with unit_of_work(engine) as s:
        assert s.scalar(select(User.id).where(User.username == "expert")) == s.get(AssistSession, sid).expert_id
    engine.dispose()
