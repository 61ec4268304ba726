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
    """Open base_url(/path), fill the sign-in form by widget key and submit (does not wait for success)."""
    page.goto(f"{base_url}/{path}")
    fill_login(page, username, password)


def fill_login(page: Page, username: str, password: str) -> None:
    """Fill the sign-in form already on the page by widget key and submit (does not wait for success)."""
    by_key(page, "login.username").locator("input").fill(username)
    by_key(page, "login.password").locator("input").fill(password)
    by_key(page, "login.submit").locator("button").click()


def expect_signed_in(page: Page) -> None:
    expect(by_key(page, "sidebar.logout")).to_be_visible(timeout=20_000)


def nav_links(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebarNav"] a')


def settled(page: Page) -> None:
    """The script run is over (Streamlit's own marker): interact with the page it rendered, not a stale one."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
