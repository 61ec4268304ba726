"""Text people typed shows as typed in a real browser: Markdown in an alert comment or title, an
assist question or a chat message fetches no image (no read beacon) and renders no link."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portsight.db.alert_store import raise_alert
from portsight.db.models import AssistSession, Inspection, InspectorAssignment, Port, User
from portsight.db.session import make_engine, unit_of_work
from portsight.services.accounts import actor_for
from portsight.services.alerts import acknowledge_alert
from portsight.services.assist import cancel_assist, post_chat_message, request_assist
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import PASSWORD, prepare_app_database

pytestmark = pytest.mark.browser


class Beacon:
    """A loopback HTTP server that notes every request: a rendered image or a followed link reaches it."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def typed(self, what: str) -> str:
        """Markdown that would load an image from the beacon and link to it."""
        return f"![]({self.origin}/{what}.png) [click]({self.origin}/phish-{what}) {what}"

    def shown(self, what: str) -> str:
        """typed(what) as the page shows it: the same characters, with an invisible word joiner
        inside "://" (components.shell.formatting.as_text) that keeps bare links from forming."""
        return self.typed(what).replace("://", ":\u2060//")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    server = Beacon()
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser, beacon) -> Iterator[tuple[str, int]]:
    """An app whose database holds the typed Markdown: an alert's title and comment, a waiting assist
    request's question and a chat line in it."""
    data_dir = tmp_path_factory.mktemp("e2e_user_markdown")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        users = {u.username: actor_for(u) for u in s.scalars(select(User))}
        port_id = s.scalar(select(Port.id).where(Port.code == "CNSGH"))
        inspection_id = s.scalar(
            select(Inspection.id)
            .join(InspectorAssignment, InspectorAssignment.inspection_id == Inspection.id)
            .where(InspectorAssignment.user_id == users["inspector"].user_id, Inspection.state == "in_progress")
        )
        prepared = s.scalars(select(AssistSession.id).where(AssistSession.state == "waiting")).all()
        alert_id = raise_alert(
            s,
            dedupe_key="e2e:markdown",
            kind="seal_mismatch",
            severity="high",
            port_id=port_id,
            title=beacon.typed("title"),
            detail={},
        ).id
    acknowledge_alert(engine, users["supervisor"], alert_id, beacon.typed("comment"))
    for waiting in prepared:  # the prepared database's own request: the inspector asks anew
        cancel_assist(engine, users["inspector"], waiting)
    session_id = request_assist(engine, users["inspector"], inspection_id, None, beacon.typed("question"))
    post_chat_message(engine, users["inspector"], session_id, beacon.typed("chat"))
    engine.dispose()
    base, proc = start_streamlit(data_dir, url, {"PORTSIGHT_SUPERVISION": "off"})
    yield base, alert_id
    stop(proc)


def shown_as_typed(page: Page, beacon: Beacon) -> None:
    """Nothing on the page points at the beacon, and it was never asked for anything."""
    settled(page)
    assert page.locator(f'img[src^="{beacon.origin}"]').count() == 0
    links = page.locator(f'a[href^="{beacon.origin}"]')
    assert links.count() == 0, [links.nth(i).evaluate("e => e.parentElement.outerHTML") for i in range(links.count())]
    assert beacon.hits == []


def test_an_alert_title_and_comment_show_as_typed(server, page, beacon):
    base, alert_id = server
    login(page, base, "supervisor", PASSWORD, path=f"alerts?id={alert_id}")
    expect_signed_in(page)
    detail = by_key(page, "alerts.detail")
    expect(detail).to_contain_text(beacon.shown("title"), timeout=20_000)
    expect(detail).to_contain_text(beacon.shown("comment"))
    shown_as_typed(page, beacon)


def test_an_assist_question_and_chat_message_show_as_typed_to_the_inspector(server, page, beacon):
    login(page, server[0], "inspector", PASSWORD, path="remote_assist")
    expect_signed_in(page)
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text=beacon.shown("question"))).to_be_visible(
        timeout=20_000
    )
    expect(by_key(page, "assist.chat_log")).to_contain_text(beacon.shown("chat"), timeout=20_000)
    shown_as_typed(page, beacon)


def test_an_assist_question_shows_as_typed_on_the_experts_join_button(server, page, beacon):
    login(page, server[0], "expert", PASSWORD, path="remote_assist")
    expect_signed_in(page)
    # The button names the first 40 characters of the question: the image part.
    expect(page.get_by_role("button").filter(has_text=beacon.shown("question")[:40])).to_be_visible(timeout=20_000)
    shown_as_typed(page, beacon)
