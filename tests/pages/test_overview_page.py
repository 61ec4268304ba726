"""The live overview under AppTest: a high alert raised while the board is open is toasted once; a
port in the URL (?port=CNSGH) shows that port's board and links, within the reader's scope."""

from __future__ import annotations

import re
from html import unescape

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


def card_links(at) -> list[str]:
    """The query strings of the KPI cards' links (one HTML element holds every card)."""
    (cards,) = at.get("html")
    return [
        unescape(href).partition("?")[2] for href in re.findall(r'<a class="ps-card" href="([^"]*)"', cards.proto.body)
    ]


def test_a_high_alert_raised_while_the_board_is_open_is_toasted_once(new_app, app_db):
    _, url = app_db
    at = login(new_app().run(), "supervisor")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert len(card_links(at)) == 12, "the board shows its cards, each a link"
    assert not toasts(at)  # alerts raised before the board opened are not announced

    raise_high_alert(url, "Container seal broken")
    st.cache_data.clear()  # the change token is cached for half a period
    at.run()
    assert any("Container seal broken" in t for t in toasts(at))

    st.cache_data.clear()
    at.run()  # the same token: nothing new to announce
    assert not toasts(at)


def test_a_port_in_the_url_shows_that_ports_board_and_its_links(new_app):
    at = login(new_app().run(), "supervisor")
    at.switch_page(PAGE)
    at.query_params["port"] = "CNSGH"
    at.run()
    assert not at.exception, at.exception
    assert any("CNSGH" in m.value for m in at.markdown), "the board says which port it shows"
    assert at.button(key="overview.all_ports")
    links = card_links(at)[1:]  # the first, today's declarations, opens the selection page's pool
    assert "port=CNSGH&overdue=1" in links  # the cards open that port's lists
    assert all("port=CNSGH" in q for q in links)

    at.button(key="overview.all_ports").click().run()
    assert "port" not in at.query_params
    assert "port=CNSGH&overdue=1" not in card_links(at)


def test_a_port_outside_my_scope_is_refused_and_my_ports_are_shown(new_app):
    at = login(new_app().run(), "supervisor.sgh")  # Shanghai only
    at.switch_page(PAGE)
    at.query_params["port"] = "CNNGB"
    at.run()
    assert not at.exception, at.exception
    assert any("CNNGB" in w.value for w in at.warning)
    assert [b for b in at.button if b.key == "overview.all_ports"] == []  # not scoped: nothing to clear
