"""AppTest fixtures: a prepared database per test module, the environment pointing at it, fresh caches,
and signing in.

A browser signs in on the sign-in page (/login, outside Streamlit) and the app reads the session
cookie through components.shell.browser.session_token(). AppTest can send no cookie: login()
signs in through the same services (authenticate, open_session) and hands the token to the app
through that seam, which install_session_seam() points at a key of the AppTest's own session
state. Only tests do that; the app never trusts its session state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.shell import browser, state
from portsight.db.session import make_engine
from portsight.services.accounts import SignedIn, authenticate
from portsight.services.sessions import open_session
from tests.pages.appdb import PASSWORD, app_env, prepare_app_database

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def app_db(tmp_path_factory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("app")
    return data_dir, prepare_app_database(data_dir)


@pytest.fixture
def app_environment(app_db, monkeypatch) -> Iterator[None]:
    data_dir, url = app_db
    for key, value in app_env(data_dir, url).items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def new_app(app_environment) -> Callable[[], AppTest]:
    return lambda: AppTest.from_file(APP, default_timeout=60)


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_streamlit_deprecations() -> Iterator[None]:
    """A page test fails when Streamlit logs a deprecation (it logs them, it does not warn: a
    deprecated argument such as use_container_width would otherwise only fill the server log)."""
    logger = logging.getLogger("streamlit.deprecation_util")
    kept = _Kept()
    logger.addHandler(kept)
    try:
        yield
    finally:
        logger.removeHandler(kept)
    assert kept.messages == [], kept.messages


TEST_TOKEN = "_test.session_token"  # the AppTest's "cookie": a session token, in its own session state
SIGNED_IN = "app.signed_in"  # who login() signed in, for tests that read it (the app does not)

_real_resolve = state._resolve


def _token_of_this_apptest() -> str | None:
    return st.session_state.get(TEST_TOKEN)


def _resolve_for_tests(touch: bool) -> SignedIn | None:
    # A test script may sign a made-up user in by writing SIGNED_IN itself (AppTest.from_function
    # guard tests): without a token that value stands for the cookie. With one, the real check runs.
    if st.session_state.get(TEST_TOKEN) is None and st.session_state.get(SIGNED_IN) is not None:
        return st.session_state[SIGNED_IN]
    return _real_resolve(touch)


def install_session_seam() -> None:
    """Point the app's cookie reader at the AppTest's session state (idempotent, process-wide)."""
    browser.session_token = _token_of_this_apptest
    state._resolve = _resolve_for_tests


install_session_seam()


def sign_in_token(username: str, password: str = PASSWORD) -> tuple[str, SignedIn]:
    """What /login does for a browser: check the password, open a session; (token, who)."""
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        signed_in = authenticate(engine, username, password)
        assert signed_in.actor.user_id is not None
        return open_session(engine, signed_in.actor.user_id, client="AppTest"), signed_in
    finally:
        engine.dispose()


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    """Sign in as on the sign-in page and run the app with the session's token as its cookie."""
    token, signed_in = sign_in_token(username, password)
    at.session_state[TEST_TOKEN] = token
    at.session_state[SIGNED_IN] = signed_in
    return at.run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
