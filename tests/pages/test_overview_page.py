"""The live overview under AppTest: a high alert raised while the board is open is toasted once."""

from __future__ import annotations

import streamlit as st

from portsight.clock import utcnow
from portsight.db.models import Alert, Port
from portsight.db.session import make_engine, unit_of_work
from tests.pages.conftest import login

PAGE = "pages/overview.py"


def raise_high_alert(url: str, title: str) -> None:
    engine = make_engine(url)
    now = utcnow()
    with unit_of_work(engine) as s:
        port = s.query(Port).filter_by(code="CNSGH").one()
        s.add(
            Alert(
                dedupe_key=f"test-{title}",
                kind="rule",
                severity="high",
                port_id=port.id,
                title=title,
                first_raised_at=now,
                last_raised_at=now,
            )
        )
    engine.dispose()


def toasts(at) -> list[str]:
    return [t.value for t in at.toast]


def test_a_high_alert_raised_while_the_board_is_open_is_toasted_once(new_app, app_db):
    _, url = app_db
    at = login(new_app().run(), "supervisor")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.metric, "the board shows its cards"
    assert not toasts(at)  # alerts raised before the board opened are not announced

    raise_high_alert(url, "Container seal broken")
    st.cache_data.clear()  # the change token is cached for half a period
    at.run()
    assert any("Container seal broken" in t for t in toasts(at))

    st.cache_data.clear()
    at.run()  # the same token: nothing new to announce
    assert not toasts(at)
