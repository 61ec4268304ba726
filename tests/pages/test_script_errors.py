"""An uncaught error in a script run: logged, and the app's own message instead of Streamlit's box."""

from __future__ import annotations

import logging

from streamlit.testing.v1 import AppTest

from portsight.i18n import t


def _fails_and_reports() -> None:
    import streamlit as st

    from components.shell.state import show_unexpected_error

    st.session_state["app.lang"] = "en"
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError as exc:
        st.session_state["handled"] = show_unexpected_error(exc)


def test_an_uncaught_error_shows_the_apps_message_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="components.shell.state"):
        at = AppTest.from_function(_fails_and_reports, default_timeout=30).run()
    assert at.session_state["handled"] is True  # st.App then shows no exception box of its own
    assert [e.value for e in at.error] == [t("en", "common.unexpected_error")]
    assert "disk on fire" not in " ".join(e.value for e in at.error)
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


def _database_stops_answering() -> None:
    import streamlit as st

    from components.shell.state import show_unexpected_error
    from portsight.db.session import DatabaseUnavailable

    st.session_state["app.lang"] = "zh_CN"
    st.session_state["handled"] = show_unexpected_error(
        DatabaseUnavailable("SELECT 1", None, TimeoutError("connection timeout expired"))
    )


def test_a_database_that_stops_answering_mid_page_says_so_in_the_users_language():
    at = AppTest.from_function(_database_stops_answering, default_timeout=30).run()
    assert at.session_state["handled"] is True
    assert [e.value for e in at.error] == [t("zh_CN", "common.database_unavailable")]


def test_serve_py_hands_script_errors_to_the_app():
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / "serve.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "App"]
    [app] = calls
    keywords = {k.arg: ast.unparse(k.value) for k in app.keywords}
    assert keywords["on_script_error"] == "show_unexpected_error"
