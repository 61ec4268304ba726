"""A refusal on a page is said in the reader's language: the roster's conflict of interest, declared a
second time, is refused in Chinese on a Chinese page and in English on an English one."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import errors, login

ROSTER = "pages/roster.py"


def declare_demo_trading_conflict(new_app, lang: str) -> AppTest:
    at = login(new_app(), "supervisor.sgh")
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page(ROSTER).run()
    assert not at.exception, at.exception
    at.text_input(key="roster.conflict_search").input("Demo Trading").run()
    at.button(key="roster.conflict_save").click().run()
    assert not at.exception, at.exception
    return at


def test_a_conflict_declared_twice_is_refused_in_the_readers_language(new_app):
    assert errors(declare_demo_trading_conflict(new_app, "en")) == []

    said = errors(declare_demo_trading_conflict(new_app, "zh_CN"))
    assert said == ["Inspector与Demo Trading Co.的利益冲突已申报过。"]

    said = errors(declare_demo_trading_conflict(new_app, "en"))
    assert said == ["Inspector's conflict of interest with Demo Trading Co. is already declared."]
