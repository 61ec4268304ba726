"""Sign-in in a real browser: each role sees its own menu, other roles' pages are refused by URL,
a deep link on a fresh server shows the sign-in form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from components.shell.navigation import PAGES, menu, visible_pages
from portsight.domain.access import PAGE_ROLES, may_open
from portsight.i18n import t
from tests.e2e.helpers import by_key, expect_signed_in, fill_login, login, nav_links, settled
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


@pytest.mark.parametrize(("username", "path"), [("gate", "admin"), ("inspector", "alerts"), ("expert", "gate")])
def test_another_roles_page_opened_by_url_is_refused(app_server, page, username, path):
    # A typed URL starts a new browser session: the login shows at that URL, then the page refuses.
    login(page, app_server, username, PASSWORD, path=path)
    expect_signed_in(page)
    expect(page.get_by_text(re.compile("You may not open this page"))).to_be_visible(timeout=20_000)
    expect(by_key(page, "sidebar.logout")).to_be_visible()


LEGACY_MODE_LOG = "legacy multipage mode"  # components/shell/state.py logs this when a page runs without app.py
ALERT_TITLE = "Seal number differs from the declaration"  # an alert of tests/pages/appdb.py


def test_deep_link_as_a_fresh_servers_first_request_shows_the_login_then_the_app(fresh_app_server, page):
    # The very first request to a process no script has run in: Streamlit runs pages/alerts.py in
    # its legacy multipage mode, without app.py. Its guard must show the sign-in form, no data.
    base, log = fresh_app_server(warm=False)
    page.goto(f"{base}/alerts")
    expect(by_key(page, "login.username")).to_be_visible(timeout=30_000)
    settled(page)
    assert LEGACY_MODE_LOG in log.read_text(), "the first run was not in legacy mode: this test no longer tests it"
    for lang in ("zh_CN", "en"):
        expect(page.get_by_role("heading", name=t(lang, "alerts.title"))).to_have_count(0)
    expect(page.get_by_text(ALERT_TITLE)).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    assert page.url == f"{base}/alerts"

    fill_login(page, "supervisor", PASSWORD)
    expect_signed_in(page)  # the normal app: app.py's sidebar and menu
    expect(page.get_by_role("heading", name=t("en", "alerts.title"), exact=True)).to_be_visible()
    expect(page.get_by_text(ALERT_TITLE).first).to_be_visible()
    expect(nav_links(page)).to_have_count(len(visible_pages("supervisor")))
    assert page.url == f"{base}/alerts"


def test_warm_up_ends_legacy_mode_before_the_first_visitor(fresh_app_server, page):
    # What scripts/run, deploy/ and the app_server fixture do after a start: one script health check.
    base, log = fresh_app_server(warm=True)
    page.goto(f"{base}/alerts")
    expect(by_key(page, "login.username")).to_be_visible(timeout=30_000)
    settled(page)
    assert LEGACY_MODE_LOG not in log.read_text()


def test_wrong_password_shows_the_message(app_server, page):
    login(page, app_server, "supervisor", "not-the-password")
    expect(page.get_by_text(t("zh_CN", "login.invalid"))).to_be_visible(timeout=20_000)
    expect(by_key(page, "sidebar.logout")).to_have_count(0)


def test_screenshots_of_login_and_home(app_server, page):
    page.goto(app_server)
    expect(by_key(page, "login.username")).to_be_visible(timeout=20_000)
    page.screenshot(path="/tmp/portsight_login.png", full_page=True)
    login(page, app_server, "supervisor", PASSWORD)
    expect_signed_in(page)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=20_000)
    page.screenshot(path="/tmp/portsight_home.png", full_page=True)
