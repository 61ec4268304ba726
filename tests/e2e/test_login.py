"""Sign-in in a real browser: each role sees its own menu, other roles' pages are refused by URL,
a deep link on a fresh server shows the sign-in page; the session is the browser's (reload, new
tab, deep link), ends everywhere at once (sign-out, deactivation), and a Streamlit session id
alone signs nobody in."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import streamlit
from playwright.sync_api import expect
from sqlalchemy import update

from components.shell.navigation import PAGES, menu, visible_pages
from portsight.db.models import User
from portsight.db.session import make_engine
from portsight.domain.access import PAGE_ROLES, may_open
from portsight.i18n import t
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    by_key,
    expect_signed_in,
    expect_signed_out,
    fill_login,
    login,
    nav_links,
    settled,
    sign_in_form,
    sign_out,
)
from tests.pages.appdb import PASSWORD, USERS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", list(USERS))
def test_each_role_sees_its_own_menu(app_server, page, username):
    login(page, app_server, username, PASSWORD)
    expect_signed_in(page)
    role = USERS[username][0]
    lang = "en"  # the test accounts' language
    expected = [t(lang, PAGES[key].title_key) for key in visible_pages(role)]
    if len(expected) > 1:
        # A link's text is its Material icon's ligature name followed by the page title.
        expect(nav_links(page)).to_have_text([re.compile(re.escape(title) + "$") for title in expected])
        # A section header's text is its title followed by its expand/collapse icon's ligature name.
        headers = [re.compile("^" + re.escape(t(lang, section))) for section in menu(role) if section is not None]
        expect(page.get_by_test_id("stNavSectionHeader")).to_have_text(headers)
    others = [t(lang, f"nav.{key}") for key in PAGE_ROLES if not may_open(role, key)]
    for title in others:
        expect(page.get_by_role("link", name=title, exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name=t(lang, "home.title"))).to_be_visible()


@pytest.mark.parametrize(("username", "path"), [("gate", "users"), ("inspector", "alerts"), ("expert", "gate")])
def test_another_roles_page_opened_by_url_is_refused(app_server, page, username, path):
    # A typed URL while signed out: the sign-in page for that URL, then the page refuses.
    login(page, app_server, username, PASSWORD, path=path)
    expect_signed_in(page)
    expect(page.get_by_text(re.compile("You may not open this page"))).to_be_visible(timeout=20_000)
    expect(by_key(page, "sidebar.logout")).to_be_visible()


LEGACY_MODE_LOG = "legacy multipage mode"  # components/shell/state.py logs this when a page runs without app.py
ALERT_TITLE = "Seal number differs from the declaration"  # an alert of tests/pages/appdb.py


def test_deep_link_as_a_fresh_servers_first_request_shows_the_login_then_the_app(fresh_app_server, page):
    # The very first request to a process no script has run in. Signed out, the server sends the
    # browser to the sign-in page before Streamlit runs anything; signed in, Streamlit's first run
    # is in its legacy multipage mode (pages/alerts.py alone), whose guard runs app.py instead.
    base, log = fresh_app_server(warm=False)
    page.goto(f"{base}/alerts")
    expect(sign_in_form(page)).to_be_visible(timeout=30_000)
    assert page.url == f"{base}/login?next={quote('/alerts', safe='')}"
    for lang in ("zh_CN", "en"):
        expect(page.get_by_role("heading", name=t(lang, "alerts.title"))).to_have_count(0)
    expect(page.get_by_text(ALERT_TITLE)).to_have_count(0)

    fill_login(page, "supervisor", PASSWORD)
    expect_signed_in(page)  # the normal app: app.py's sidebar and menu
    expect(page.get_by_role("heading", name=t("en", "alerts.title"), exact=True)).to_be_visible()
    expect(page.get_by_text(ALERT_TITLE).first).to_be_visible()
    expect(nav_links(page)).to_have_count(len(visible_pages("supervisor")))
    assert page.url == f"{base}/alerts"
    assert LEGACY_MODE_LOG in log.read_text(), "the first run was not in legacy mode: this test no longer tests it"


def test_warm_up_ends_legacy_mode_before_the_first_visitor(fresh_app_server, page):
    # What scripts/run, deploy/ and the app_server fixture do after a start: one script health check.
    base, log = fresh_app_server(warm=True)
    login(page, base, "supervisor", PASSWORD, path="alerts")
    expect_signed_in(page)
    expect(page.get_by_role("heading", name=t("en", "alerts.title"), exact=True)).to_be_visible()
    settled(page)
    assert LEGACY_MODE_LOG not in log.read_text()


def test_wrong_password_shows_the_message(app_server, page):
    login(page, app_server, "supervisor", "not-the-password")
    expect(page.get_by_text(t("zh_CN", "login.invalid"))).to_be_visible(timeout=20_000)
    expect(by_key(page, "sidebar.logout")).to_have_count(0)


def test_a_reload_stays_signed_in_on_the_same_page(app_server, page):
    login(page, app_server, "supervisor", PASSWORD, path="alerts")
    expect_signed_in(page)
    page.reload()
    expect_signed_in(page)
    expect(page.get_by_role("heading", name=t("en", "alerts.title"), exact=True)).to_be_visible()
    assert page.url == f"{app_server}/alerts"


def test_a_deep_link_in_a_new_tab_opens_signed_in_on_that_page(app_server, page):
    login(page, app_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    tab = page.context.new_page()
    tab.goto(f"{app_server}/alerts")
    expect_signed_in(tab)
    expect(tab.get_by_role("heading", name=t("en", "alerts.title"), exact=True)).to_be_visible()
    assert tab.url == f"{app_server}/alerts"


def test_signing_out_in_one_tab_signs_the_other_out_on_its_next_action(app_server, page):
    login(page, app_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    other = page.context.new_page()
    other.goto(f"{app_server}/alerts")
    expect_signed_in(other)
    settled(other)

    sign_out(page)
    expect(sign_in_form(page)).to_be_visible(timeout=20_000)
    expect(page.get_by_text(t("en", "login.session_ended")).or_(page.get_by_text(t("zh_CN", "login.session_ended"))))

    nav_links(other).filter(has_text=t("en", "nav.home")).click()  # the other tab's next action
    expect_signed_out(other)
    expect(other.get_by_text(ALERT_TITLE)).to_have_count(0)
    by_key(other, "login.link").locator("a").click()  # its way back in, in the same tab
    expect(sign_in_form(other)).to_be_visible(timeout=20_000)
    assert len(page.context.pages) == 2
    page.reload()
    expect(sign_in_form(page)).to_be_visible(timeout=20_000)


# Records each websocket the page opens and the subprotocols it offered (Streamlit puts the id of
# the session to resume in the third one when it reconnects).
RECORD_WEBSOCKETS = """
(() => {
  const Original = window.WebSocket;
  window.__sockets = [];
  window.__protocols = [];
  window.WebSocket = function (url, protocols) {
    window.__protocols.push(protocols || []);
    const socket = new Original(url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""

# Offers a given Streamlit session id in every websocket this page opens: a browser presenting
# another tab's session id (from an upload URL, a log, a shared screen).
PRESENT_SESSION_ID = """
(() => {
  const Original = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const offered = Array.from(protocols || ["streamlit"]);
    while (offered.length < 2) offered.push("PLACEHOLDER_AUTH_TOKEN");
    offered[2] = "%s";
    return new Original(url, offered);
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def test_a_browser_presenting_another_tabs_streamlit_session_id_is_not_signed_in(app_server, browser):
    # bypass_csp: Playwright's wait_for_function evaluates a string, which the app's CSP refuses.
    victim = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US", bypass_csp=True)
    victim.add_init_script(RECORD_WEBSOCKETS)
    tab = victim.new_page()
    login(tab, app_server, "supervisor", PASSWORD, path="alerts")
    expect_signed_in(tab)
    settled(tab)
    tab.evaluate("window.__sockets[window.__sockets.length - 1].close()")  # a network blip: it resumes
    tab.wait_for_function("window.__protocols.length >= 2 && window.__protocols.at(-1).length >= 3")
    session_id = tab.evaluate("window.__protocols.at(-1)[2]")
    expect_signed_in(tab)  # its own cookie resumes its own session
    assert re.fullmatch(r"[0-9a-f-]{36}", session_id), session_id
    tab.close()  # Streamlit keeps the session for a while after the tab is gone

    # Another browser. Chromium refuses a websocket to loopback from a page it did not load from
    # loopback (the page below is served by the test): that check is switched off for it.
    other_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
    )
    thief = other_browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    thief.add_init_script(PRESENT_SESSION_ID % session_id)
    page = thief.new_page()
    # Without a session the server would send this browser to /login: serve it Streamlit's own page
    # as it is on disk, so the websocket, with the stolen id, is all that is left to try.
    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    page.route(f"{app_server}/alerts", lambda route: route.fulfill(status=200, content_type="text/html", body=index))
    page.goto(f"{app_server}/alerts")
    expect(by_key(page, "login.link")).to_be_visible(timeout=30_000)
    expect(by_key(page, "sidebar.logout")).to_have_count(0)
    expect(page.get_by_text(ALERT_TITLE)).to_have_count(0)
    expect(page.get_by_text("Supervisor")).to_have_count(0)
    thief.close()
    other_browser.close()
    victim.close()


def test_a_deactivated_users_open_tab_is_signed_out_on_its_next_action(fresh_app_server, page):
    base, log = fresh_app_server(warm=True)
    login(page, base, "supervisor", PASSWORD, path="alerts")
    expect_signed_in(page)
    expect(page.get_by_text(ALERT_TITLE).first).to_be_visible()
    settled(page)
    engine = make_engine(f"sqlite:///{log.parent / 'portsight.db'}")
    with engine.begin() as conn:  # an administrator switches the account off
        conn.execute(update(User).where(User.username == "supervisor").values(active=False))
    engine.dispose()

    nav_links(page).filter(has_text=t("en", "nav.home")).click()
    expect_signed_out(page)
    expect(page.get_by_text(ALERT_TITLE)).to_have_count(0)
    page.reload()
    expect(sign_in_form(page)).to_be_visible(timeout=20_000)


def test_screenshots_of_login_and_home(app_server, page):
    page.goto(app_server)
    expect(sign_in_form(page)).to_be_visible(timeout=20_000)
    page.screenshot(path="/tmp/portsight_login.png", full_page=True)
    fill_login(page, "supervisor", PASSWORD)
    expect_signed_in(page)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=20_000)
    page.screenshot(path="/tmp/portsight_home.png", full_page=True)


def test_the_pages_load_under_the_content_security_policy(app_server, page):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, app_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=20_000)
    for key in ("alerts", "statistics", "overview"):
        page.goto(f"{app_server}/{key}")
        expect_signed_in(page)
        settled(page)
    assert refused == []
