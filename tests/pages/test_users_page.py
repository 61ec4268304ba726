"""The users page under AppTest, by widget key: an administrator creates an account (with a
one-time password shown once), changes its ports, clears its sign-in wait, resets its password
and deactivates it; the account then signs in as the page said; other roles are refused."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from components.shell.navigation import refused_pages, visible_pages
from portsight.db.models import AuditEntry, InstanceSetting, User
from portsight.db.session import make_engine
from portsight.domain.access import SYSTEM
from portsight.services.accounts import AccountInactive, InvalidCredentials, authenticate, create_user
from tests.pages.conftest import errors, login

PAGE = "pages/users.py"


def open_page(new_app, username="admin"):
    at = login(new_app().run(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def one_time_password(at) -> str:
    [code] = [c.value for c in at.code]
    return code


def table(at):
    return next(df.value for df in at.dataframe if "username" in df.value.columns)


def test_only_administrators_have_the_users_page():
    assert "users" in visible_pages("admin")
    for role in ("supervisor", "expert", "inspector", "gate"):
        assert "users" in refused_pages(role)


def test_the_table_lists_every_account(new_app):
    at = open_page(new_app)
    assert not errors(at)
    shown = table(at)
    assert {"admin", "inspector", "retired"} <= set(shown["username"])
    assert not at.error  # the test database is marked as the demo: no demo-password banner


def test_an_administrator_creates_an_account_that_signs_in_with_its_one_time_password(new_app, app_db):
    at = open_page(new_app)
    at.text_input(key="users.new_username").input("Clerk.Two")
    at.selectbox(key="users.new_role").select("gate")
    at.multiselect(key="users.new_ports").select("CNSGH")
    at.button(key="users.create").click()
    at.run()
    assert not at.exception and not errors(at)
    first = one_time_password(at)
    assert "clerk.two" in set(table(at)["username"])
    engine = make_engine(app_db[1])
    try:
        signed = authenticate(engine, "clerk.two", first)
        assert signed.must_change_password and signed.actor.role.value == "gate"
    finally:
        engine.dispose()
    at.run()
    assert not at.code  # shown once


def test_a_username_that_looks_like_markdown_is_shown_as_typed(new_app):
    name = "![x](http://127.0.0.1:9/b.png)"
    at = open_page(new_app)
    at.text_input(key="users.new_username").input(name)
    at.selectbox(key="users.new_role").select("gate")
    at.multiselect(key="users.new_ports").select("CNSGH")
    at.button(key="users.create").click()
    at.run()
    assert not at.exception and not errors(at)
    [notice] = [i.value for i in at.info]
    assert "![x](" not in notice  # escaped: Markdown would render an image the browser fetches
    assert notice.replace("\\", "").replace("\u2060", "").count(name) == 1


def test_a_weak_typed_password_is_refused_with_the_reason(new_app):
    at = open_page(new_app)
    at.text_input(key="users.new_username").input("weakling")
    at.checkbox(key="users.new_all_ports").check()
    at.text_input(key="users.new_password").input("short")
    at.button(key="users.create").click()
    at.run()
    assert any("12" in e for e in errors(at)), errors(at)


def test_reset_unlock_scope_and_deactivation(new_app, app_db):
    engine = make_engine(app_db[1])
    try:
        for _ in range(6):
            try:
                authenticate(engine, "gate", "not-the-password")
            except InvalidCredentials:
                pass
        uid = engine.connect().scalar(select(User.id).where(User.username == "gate"))
        at = open_page(new_app)
        at.selectbox(key="users.pick").select(uid)
        at.run()
        at.button(key="users.unlock").click()
        at.run()
        assert not errors(at)
        row = table(at).set_index("username").loc["gate"]
        assert row["failures"] == 0 and row["waiting"] == ""

        at.multiselect(key=f"users.ports.{uid}").select("CNNGB")
        at.button(key="users.save_scope").click()
        at.run()
        assert table(at).set_index("username").loc["gate"]["ports"] == "CNNGB, CNSGH"

        at.button(key="users.reset").click()
        at.run()
        new = one_time_password(at)
        assert authenticate(engine, "gate", new).must_change_password

        at.button(key="users.deactivate").click()
        at.run()
        assert not errors(at)
        try:
            authenticate(engine, "gate", new)
            raise AssertionError("a deactivated account signed in")
        except AccountInactive:
            pass
        with engine.connect() as conn:
            done = set(conn.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(uid))))
        assert {"unlock", "update_user", "reset_password", "deactivate_user"} <= done
    finally:
        engine.dispose()


def test_the_last_administrator_cannot_deactivate_themself(new_app, app_db):
    engine = make_engine(app_db[1])
    uid = engine.connect().scalar(select(User.id).where(User.username == "admin"))
    engine.dispose()
    at = open_page(new_app)
    at.selectbox(key="users.pick").select(uid)
    at.run()
    at.button(key="users.deactivate").click()
    at.run()
    assert errors(at)  # refused with a message, no stack trace
    assert not at.exception


def test_a_forced_change_comes_before_any_page_and_then_lets_the_user_in(new_app, app_db):
    engine = make_engine(app_db[1])
    try:
        create_user(
            engine,
            SYSTEM,
            username="newcomer",
            password="harbour-crane-42",
            role="supervisor",
            all_ports=True,
            language="en",
            must_change_password=True,
        )
        at = login(new_app().run(), "newcomer", "harbour-crane-42")
        assert not at.exception, at.exception
        assert not at.metric  # no page behind it yet
        at.text_input(key="password_change.current").input("harbour-crane-42")
        at.text_input(key="password_change.new").input("short")
        at.text_input(key="password_change.repeat").input("short")
        at.button(key="password_change.submit").click()
        at.run()
        assert any("12" in e for e in errors(at)), errors(at)
        at.text_input(key="password_change.new").input("quay-side-lamp-7")
        at.text_input(key="password_change.repeat").input("quay-side-lamp-7")
        at.button(key="password_change.submit").click()
        at.run()
        assert not at.exception and not errors(at)
        assert not [w for w in at.text_input if w.key == "password_change.current"]
        assert authenticate(engine, "newcomer", "quay-side-lamp-7").must_change_password is False
    finally:
        engine.dispose()


def _banner_script(role: str) -> None:
    # AppTest runs this function's source alone: it imports what it needs itself.
    from components.shell.demo_passwords import warn_about_demo_passwords
    from portsight.domain.access import Actor, Role

    warn_about_demo_passwords(Actor(user_id=None, username="someone", role=Role(role), port_ids=None))


def test_administrators_see_a_red_banner_for_demo_passwords_outside_the_demo(app_environment, app_db):

    def shown(role: str) -> list[str]:
        st.cache_data.clear()
        at = AppTest.from_function(_banner_script, args=(role,), default_timeout=60).run()
        assert not at.exception, at.exception
        return [e.value for e in at.error]

    assert shown("admin") == []  # the test database is the demo: its known passwords are expected
    engine = make_engine(app_db[1])
    try:
        with engine.begin() as conn:
            conn.execute(update(InstanceSetting).where(InstanceSetting.key == "demo").values(value="false"))
        [banner] = shown("admin")
        assert "admin" in banner and "supervisor" in banner
        assert shown("supervisor") == []
    finally:
        with engine.begin() as conn:
            conn.execute(update(InstanceSetting).where(InstanceSetting.key == "demo").values(value="true"))
        engine.dispose()
