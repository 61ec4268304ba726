"""The HTTP side (portsight/web) under Starlette's TestClient, over a migrated SQLite database.

The app under test is the sign-in routes and the session gate around a stand-in for Streamlit
that answers every path it is given (as Streamlit answers page paths with its index.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portsight.db.migrate import upgrade
from portsight.db.models import Port
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.accounts import create_user
from portsight.web.middleware import SessionGate
from portsight.web.routes import routes

PASSWORD = "a long enough password"
HOST = "testserver"  # TestClient's host: a same-site POST names it in Origin
SAME_SITE = {"origin": f"http://{HOST}"}


async def streamlit_stand_in(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"streamlit {request.method} {request.url.path}")


@pytest.fixture(scope="module")
def web_db(tmp_path_factory) -> Iterator[tuple[Path, str, Engine]]:
    data_dir = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{data_dir / 'portsight.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        s.add(Port(code="CNSGH", name_en="Shanghai", name_zh="上海", kind="sea", lat=31.2, lon=121.5))
    for name, active in (("inspector", True), ("retired", False)):
        create_user(
            engine,
            SYSTEM,
            username=name,
            password=PASSWORD,
            role="inspector",
            port_codes=["CNSGH"],
            language="en",
            active=active,
            check_policy=False,
        )
    yield data_dir, url, engine
    engine.dispose()


@pytest.fixture
def web_env(web_db, monkeypatch) -> Engine:
    data_dir, url, engine = web_db
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTSIGHT_SIMULATOR", "off")
    return engine


def make_app(bindings: dict[str, str] | None = None) -> Starlette:
    known = bindings or {}
    return Starlette(
        routes=[*routes(), Route("/{path:path}", streamlit_stand_in, methods=["GET", "HEAD", "PUT", "POST"])],
        middleware=[Middleware(SessionGate, bound_token_hash=known.get, script_hashes=["sha256-abc"])],
    )


@pytest.fixture
def client(web_env) -> Iterator[TestClient]:
    with TestClient(make_app(), follow_redirects=False) as c:
        yield c


@pytest.fixture
def sign_in(client) -> Callable[..., str]:
    """POST the form as a browser on this site would; returns the session token it set."""

    def post(username: str = "inspector", password: str = PASSWORD, next_path: str = "/") -> str:
        response = client.post(
            "/login", data={"username": username, "password": password, "next": next_path}, headers=SAME_SITE
        )
        assert response.status_code == 303, response.text
        return response.cookies["portsight_session"]

    return post
