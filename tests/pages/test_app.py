"""The app under AppTest: every role signs in and every page it sees renders; login messages by widget key."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.shell.navigation import PAGES, visible_pages
from portsight.domain.access import may_open
from portsight.i18n import t
from tests.pages.appdb import USERS
from tests.pages.conftest import APP, errors, login


@pytest.mark.parametrize("username", list(USERS))
def test_each_role_signs_in_and_every_page_it_sees_renders(new_app, username):
    at = login(new_app().run(), username)
    assert not at.exception, at.exception
    assert not errors(at)
    assert at.session_state["app.signed_in"].actor.username == username
    role = USERS[username][0]
    for key in visible_pages(role):
        at.switch_page(PAGES[key].path).run()
        assert not at.exception, (key, at.exception)
        assert not errors(at), (key, errors(at))


def test_home_shows_real_counts_for_a_supervisor(new_app):
    at = login(new_app().run(), "supervisor")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["High"] == "1" and metrics["Under inspection"] == "1"


def test_port_scoped_supervisor_sees_only_their_port(new_app):
    at = login(new_app().run(), "supervisor.sgh")
    labels = {m.label for m in at.metric}
    assert "Held" not in labels and "Medium" not in labels  # those are at CNNGB


def test_inspector_sees_their_assigned_inspection(new_app):
    at = login(new_app().run(), "inspector")
    assert at.dataframe[0].value["declaration"].tolist() == ["DEC-TEST-0"]


def test_wrong_password_shows_the_same_message_as_unknown_user(new_app):
    wrong = login(new_app().run(), "gate", "not-it")
    unknown = login(new_app().run(), "nobody", "not-it")
    assert errors(wrong) == errors(unknown) == [t("zh_CN", "login.invalid")]
    assert wrong.session_state["app.signed_in"] is None


def test_inactive_account_is_told_so(new_app):
    at = login(new_app().run(), "retired")
    assert errors(at) == [t("zh_CN", "login.inactive")]


def test_account_locks_after_the_configured_failures(new_app, app_db):
    from portsight.config import load_settings
    from portsight.db.session import make_engine
    from portsight.domain.access import SYSTEM
    from portsight.services.accounts import create_user

    engine = make_engine(app_db[1])
    create_user(engine, SYSTEM, username="lock.me", password="demo", role="gate", port_codes=["CNSGH"])
    engine.dispose()

    limit = load_settings().login_max_failures
    at = new_app().run()
    for _ in range(limit - 1):
        login(at, "lock.me", "wrong")
        assert errors(at) == [t("zh_CN", "login.invalid")]
    login(at, "lock.me", "wrong")
    assert len(errors(at)) == 1 and "锁定" in errors(at)[0] and "管理员" in errors(at)[0]
    login(at, "lock.me")  # the right password does not help while locked
    assert at.session_state["app.signed_in"] is None
    assert "锁定" in errors(at)[0]


def test_language_switch_changes_the_interface(new_app):
    at = new_app().run()
    assert at.text_input(key="login.username").label == "用户名"
    at.radio(key="login.lang").set_value("en").run()
    assert at.text_input(key="login.username").label == "Username"


def test_logout_returns_to_the_login_form(new_app):
    at = login(new_app().run(), "expert")
    at.button(key="sidebar.logout").click().run()
    assert at.session_state["app.signed_in"] is None
    assert at.text_input(key="login.username")


def test_missing_database_says_which_and_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.setenv("PORTSIGHT_SIMULATOR", "off")
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    [message] = errors(at)
    assert "absent.db" in message and "python -m portsight db upgrade" in message and "make run" in message
    assert not (tmp_path / "absent.db").exists()  # nothing created behind the user's back


def test_unreachable_postgres_hides_the_password(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://ps:secret@127.0.0.1:1/nowhere?connect_timeout=2")
    monkeypatch.setenv("PORTSIGHT_SIMULATOR", "off")
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    [message] = errors(at)
    assert "127.0.0.1:1/nowhere" in message and "secret" not in message and "***" in message


def _page_as(role_user: str, page_key: str):
    """Sign a user in directly in session state and run the page guard for page_key (an AppTest script)."""
    import streamlit as st

    from components.shell.state import require_page
    from portsight.domain.access import Actor, Role
    from portsight.services.accounts import SignedIn

    role = Role(role_user)
    st.session_state["app.signed_in"] = SignedIn(Actor(1, role_user, role, None), role_user, "en")
    st.session_state["app.lang"] = "en"
    require_page(page_key)
    st.write("page content")


@pytest.mark.parametrize(("role", "page_key"), [("gate", "admin"), ("inspector", "alerts"), ("expert", "gate")])
def test_guard_refuses_a_page_the_role_may_not_open(role, page_key):
    assert not may_open(role, page_key)
    at = AppTest.from_function(_page_as, args=(role, page_key), default_timeout=30).run()
    assert "may not open this page" in errors(at)[0]
    assert not at.markdown or "page content" not in [m.value for m in at.markdown]


def test_guard_lets_an_allowed_role_through():
    at = AppTest.from_function(_page_as, args=("admin", "admin"), default_timeout=30).run()
    assert not errors(at) and [m.value for m in at.markdown] == ["page content"]


def test_page_run_alone_without_sign_in_asks_to_sign_in(app_environment):
    at = AppTest.from_file(str(Path(APP).parent / "pages" / "home.py"), default_timeout=30).run()
    assert errors(at) == [t("zh_CN", "common.sign_in_first")]
    assert not at.exception


def test_a_page_reached_in_legacy_mode_runs_app_py_instead(new_app):
    # AppTest, like a fresh server, starts each run in Streamlit's legacy multipage mode: the first
    # run for /alerts execs pages/alerts.py alone, and its guard has app.py run in its place.
    at = new_app()
    at.switch_page("pages/alerts.py").run()
    assert not at.exception and not errors(at)
    assert at.text_input(key="login.username").value == ""  # app.py's sign-in form, at /alerts
    assert not [x for x in at.title if x.value in (t("en", "alerts.title"), t("zh_CN", "alerts.title"))]
    assert not at.dataframe and not at.sidebar.children

    at = login(at, "supervisor")
    assert not at.exception and not errors(at)
    assert [x.value for x in at.title] == [t("en", "alerts.title")]
    assert at.button(key="sidebar.logout")  # the page inside app.py, with its sidebar
