"""Browser: the app works on a closed port network. With every request to another host refused, each
role signs in and opens every page of its menu; no request leaves the site, none fails, and nothing
is refused by the content security policy (which would hide a request the policy stopped first)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from components.shell.navigation import visible_pages
from tests.e2e.helpers import expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, USERS

pytestmark = pytest.mark.browser

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
ICON = Path(__file__).resolve().parents[2] / "components" / "shell" / "icon.svg"
# The tab icon as app.py gives it: the app's own drawing inline, which no network has to deliver.
ICON_URL = "data:image/svg+xml;base64," + base64.b64encode(ICON.read_bytes()).decode("ascii")


def _on_site(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in LOOPBACK


class Watch:
    """Every request the page makes that leaves the site (aborted), fails, or the CSP refuses."""

    def __init__(self, page: Page) -> None:
        self.left: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []
        page.context.route("**/*", self._route)
        page.on("requestfailed", self._failed)
        page.on("console", lambda m: self.refused.append(m.text) if "Content Security Policy" in m.text else None)

    def _route(self, route: Route) -> None:
        if _on_site(route.request.url):
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort("blockedbyclient")

    def _failed(self, request: Request) -> None:
        failure = request.failure or ""
        # A page change in the browser ends the previous page's pending requests (its websocket
        # included): that is navigation, not a failure of the site.
        if "ERR_ABORTED" in failure and _on_site(request.url):
            return
        self.failed.append(f"{request.url}: {failure}")


# One account per role, each named after its role: between them they open every page.
ACCOUNTS = [name for name, (role, _ports, _all) in USERS.items() if name == role]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_page_loads_with_every_other_host_blocked(app_server, page, username):
    role = USERS[username][0]
    page.set_default_timeout(60_000)  # a cold server on a shared 2-core machine
    watch = Watch(page)
    login(page, app_server, username, PASSWORD)
    expect_signed_in(page)
    for key in visible_pages(role):
        page.goto(f"{app_server}/{'' if key == 'home' else key}")
        expect_signed_in(page)
        settled(page)
        expect(page.get_by_test_id("stMain")).to_be_visible()
        # The browser asks for the tab's icon after the page rendered: let it come before leaving.
        page.wait_for_load_state("networkidle")
        expect(page.locator('link[rel="shortcut icon"]')).to_have_attribute("href", ICON_URL)
    assert watch.left == []
    assert watch.failed == []
    assert watch.refused == []
