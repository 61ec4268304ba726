"""AppTest fixtures: a prepared database per test module, the environment pointing at it, fresh caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

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


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    """Fill the sign-in form by widget key and submit it."""
    at.text_input(key="login.username").input(username)
    at.text_input(key="login.password").input(password)
    at.button(key="login.submit").click()
    return at.run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
