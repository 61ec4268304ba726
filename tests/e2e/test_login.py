"""Sign-in in a real browser: each role sees its own menu, other roles' pages are refused by URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from components.navigation import PAGES, visible_pages
from portsight.domain.access import PAGE_ROLES, may_open
from portsight.i18n import t
from tests.e2e.helpers import by_key, expect_signed_in, login, nav_links
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


def test_deep_link_while_signed_out_shows_the_login(app_server, page):
    page.goto(f"{app_server}/alerts")
    expect(by_key(page, "login.username")).to_be_visible(timeout=20_000)


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
