"""Shared browser helpers for e2e tests: sign in, read the menu, locate widgets by key."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def by_key(page: Page, key: str) -> Locator:
    """The container Streamlit gives a widget with key=...: class st-key-<key with . as ->."""
    return page.locator(".st-key-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in key))


def login(page: Page, base_url: str, username: str, password: str, *, path: str = "") -> None:
    """Open base_url(/path) (signed out, the server sends the browser to its sign-in page for that
    path), fill the sign-in form and submit (does not wait for success)."""
    page.goto(f"{base_url}/{path}")
    fill_login(page, username, password)


def sign_in_form(page: Page) -> Locator:
    """The sign-in page's form (/login: plain HTML served outside Streamlit)."""
    return page.locator('form[action="/login"]')


def fill_login(page: Page, username: str, password: str) -> None:
    """Fill the sign-in form already on the page and submit (does not wait for success)."""
    form = sign_in_form(page)
    form.locator("#username").fill(username)
    form.locator("#password").fill(password)
    form.locator('button[type="submit"]').click()


def expect_signed_in(page: Page) -> None:
    expect(by_key(page, "sidebar.logout")).to_be_visible(timeout=20_000)


def expect_signed_out(page: Page) -> None:
    """The sign-in page, or the app's signed-out view (a tab whose session ended while open)."""
    expect(sign_in_form(page).or_(by_key(page, "login.link"))).to_be_visible(timeout=20_000)
    expect(by_key(page, "sidebar.logout")).to_have_count(0)


def sign_out(page: Page) -> None:
    """The sidebar's sign-out button (a form the browser POSTs to /logout)."""
    by_key(page, "sidebar.logout").locator("button").click()


def nav_links(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebarNav"] a')


def settled(page: Page) -> None:
    """The script run is over (Streamlit's own marker): interact with the page it rendered, not a stale one."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
