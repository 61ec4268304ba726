"""The app under AppTest: every role signs in and every page it sees renders; the session decides who
is signed in on every run (the sign-in form's own messages are tested over HTTP in tests/web)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.shell.navigation import PAGES, visible_pages
from portsight.db.session import make_engine
from portsight.domain.access import may_open
from portsight.i18n import t
from portsight.services.sessions import end_session
from tests.pages.appdb import USERS
from tests.pages.conftest import APP, SIGNED_IN, TEST_TOKEN, errors, login


@pytest.mark.parametrize("username", list(USERS))
def test_each_role_signs_in_and_every_page_it_sees_renders(new_app, username):
    at = login(new_app().run(), username)
    assert not at.exception, at.exception
    assert not errors(at)
    assert at.sidebar.markdown[0].value == f"**{username.title()}**"  # the sidebar names who is signed in
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


def signed_out(at) -> bool:
    """The signed-out view: its link to the sign-in page, and no sidebar."""
    links = [m.value for m in at.markdown if 'href="/login?' in m.value]
    return bool(links) and not at.sidebar.children


def test_a_run_without_a_session_shows_the_signed_out_view_with_a_way_to_sign_in(new_app):
    at = new_app().run()
    assert not at.exception and not errors(at)
    assert signed_out(at)
    [link] = [m.value for m in at.markdown if 'href="/login?' in m.value]
    assert 'target="_self"' in link and "next=%2F" in link and "lang=zh_CN" in link


def test_session_state_alone_never_signs_in(new_app):
    # What a second browser presenting this tab's Streamlit session gets: the session state of a
    # signed-in run, but not its cookie. The next run is signed out.
    at = login(new_app().run(), "supervisor")
    assert at.sidebar.children
    at.session_state[TEST_TOKEN] = "not-a-token"
    at.run()
    assert signed_out(at) and not at.metric


def test_signing_out_elsewhere_signs_this_tab_out_on_its_next_run(new_app, app_db):
    at = login(new_app().run(), "expert")
    assert at.sidebar.children
    engine = make_engine(app_db[1])
    end_session(engine, at.session_state[TEST_TOKEN])  # the sign-out form of another tab
    engine.dispose()
    at.run()
    assert signed_out(at)


def test_a_deactivated_account_is_signed_out_on_its_next_run(new_app, app_db):
    from sqlalchemy import update

    from portsight.db.models import User

    at = login(new_app().run(), "gate")
    engine = make_engine(app_db[1])
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "gate").values(active=False))
    try:
        at.run()
        assert signed_out(at)
    finally:
        with engine.begin() as conn:
            conn.execute(update(User).where(User.username == "gate").values(active=True))
        engine.dispose()


def test_a_change_of_role_applies_on_the_next_run(new_app, app_db):
    from sqlalchemy import update

    from portsight.db.models import User

    at = login(new_app().run(), "supervisor.sgh")
    before = len(at.session_state[SIGNED_IN].actor.port_ids or ())
    engine = make_engine(app_db[1])
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "supervisor.sgh").values(role="expert"))
    try:
        at.run()
        assert at.sidebar.caption[0].value.startswith(t("en", "common.role_expert"))
    finally:
        with engine.begin() as conn:
            conn.execute(update(User).where(User.username == "supervisor.sgh").values(role="supervisor"))
        engine.dispose()
    assert before == 1


def test_language_switch_changes_the_signed_out_view(new_app):
    at = new_app().run()
    assert [i.body for i in at.info] == [t("zh_CN", "login.signed_out")]
    at.radio(key="login.lang").set_value("en").run()
    assert [i.body for i in at.info] == [t("en", "login.signed_out")]


def test_the_account_language_applies_after_sign_in(new_app):
    at = login(new_app().run(), "supervisor")
    assert at.session_state["app.lang"] == "en"


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
    """A made-up user, signed in through the test seam (tests/pages/conftest.py), runs the page guard."""
    import streamlit as st

    from components.shell.state import require_page
    from portsight.domain.access import Actor, Role
    from portsight.services.accounts import SignedIn

    role = Role(role_user)
    st.session_state["app.signed_in"] = SignedIn(Actor(1, role_user, role, None), role_user, "en")
    st.session_state["app.lang"] = "en"
    require_page(page_key)
    st.write("page content")


@pytest.mark.parametrize(("role", "page_key"), [("gate", "users"), ("inspector", "alerts"), ("expert", "gate")])
def test_guard_refuses_a_page_the_role_may_not_open(role, page_key):
    assert not may_open(role, page_key)
    at = AppTest.from_function(_page_as, args=(role, page_key), default_timeout=30).run()
    assert "may not open this page" in errors(at)[0]
    assert not at.markdown or "page content" not in [m.value for m in at.markdown]


def test_guard_lets_an_allowed_role_through():
    at = AppTest.from_function(_page_as, args=("admin", "users"), default_timeout=30).run()
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
    assert signed_out(at)  # app.py's signed-out view, at /alerts
    assert not [x for x in at.title if x.value in (t("en", "alerts.title"), t("zh_CN", "alerts.title"))]
    assert not at.dataframe

    at = login(at, "supervisor")
    assert not at.exception and not errors(at)
    assert [x.value for x in at.title] == [t("en", "alerts.title")]
    assert at.sidebar.children  # the page inside app.py, with its sidebar


def test_an_account_that_must_change_its_password_sees_only_the_change(new_app, app_db):
    from sqlalchemy import update

    from portsight.db.models import User

    at = login(new_app().run(), "expert")
    engine = make_engine(app_db[1])
    with engine.begin() as conn:  # an administrator's reset, while the tab is open
        conn.execute(update(User).where(User.username == "expert").values(must_change_password=True))
    try:
        at.switch_page("pages/remote_assist.py").run()
        assert [x.value for x in at.title] == [t("en", "users.change_title")]
        assert not at.sidebar.children and not at.dataframe
    finally:
        with engine.begin() as conn:
            conn.execute(update(User).where(User.username == "expert").values(must_change_password=False))
        engine.dispose()
