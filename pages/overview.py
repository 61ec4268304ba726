"""Live overview: today's figures for the ports in my scope, redrawn when a small fragment sees them move."""

from __future__ import annotations

import streamlit as st

from components.overview.board import alerts_may_be_new, board_moved, next_toast_since
from components.overview.data import (
    REFRESH_SECONDS,
    current_minute,
    load_board_view,
    load_change_token,
    load_new_high_alerts,
)
from components.shell.formatting import as_text
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, render_empty
from portsight.clock import utcnow

actor = require_page("overview")

PAUSE = "overview.pause"
TOAST_SINCE = "overview.toast_since"
TOAST_TOKEN = "overview.toast_token"  # the change token at the last look for new high alerts
SHOWN = "overview.shown"  # content of the board view on screen (BoardView.content)
DRAWN = "overview.drawn"  # set by a page run that drew the board, cleared by the watcher's call in that run

scope = scope_key(current_scope())
st.session_state.setdefault(TOAST_SINCE, utcnow())

head, toggle = st.columns([4, 1], vertical_alignment="bottom")
head.title(tr("overview.title"))
paused = toggle.toggle(tr("overview.pause"), key=PAUSE)


def announce_new_high_alerts(token) -> None:
    """A toast for each high alert raised in my scope since the last look (asked only when the token moved)."""
    if not alerts_may_be_new(st.session_state.get(TOAST_TOKEN), token):
        return
    since = st.session_state[TOAST_SINCE]
    new = load_new_high_alerts(scope, since, token, lang())
    for port, title, _ in new[:3]:
        st.toast(tr("overview.toast_high", port=port or "—", title=as_text(title)), icon=":material/warning:")
    st.session_state[TOAST_SINCE] = next_toast_since(since, token, max((at for *_, at in new), default=None))
    st.session_state[TOAST_TOKEN] = token


def render_board() -> None:
    token = load_change_token(scope)
    view = load_board_view(scope, token, current_minute(), lang())
    st.session_state[SHOWN] = view.content
    with st.container(key="overview.kpis"):
        for row in range(0, len(view.cards), 4):
            for col, (label, value) in zip(st.columns(4), view.cards[row : row + 4], strict=True):
                col.metric(label, value)

    left, right = st.columns([3, 2])
    with left:
        st.subheader(tr("overview.map"))
        st.plotly_chart(view.figures["map"], key="overview.map_chart", config={"displayModeBar": False})
        st.subheader(tr("overview.ports"))
        st.dataframe(view.ports, hide_index=True, key="overview.port_table", column_config=view.column_labels)
        st.plotly_chart(view.figures["pipeline"], key="overview.pipeline_chart", config={"displayModeBar": False})
    with right:
        st.subheader(tr("overview.alerts"))
        st.plotly_chart(view.figures["alerts"], key="overview.alerts_chart", config={"displayModeBar": False})
        st.subheader(tr("overview.feed"))
        if view.feed is None:
            render_empty("overview.no_events")
        else:
            with st.container(key="overview.feed", height=420):
                st.markdown(view.feed)
    with st.container(key="overview.as_of"):
        st.caption(view.as_of, help=view.as_of_help)
    announce_new_high_alerts(token)


@st.fragment(run_every=None if paused else REFRESH_SECONDS)
def watch_board() -> None:
    """Every period: rerun the page when the board moved, else nothing (one cached lookup).

    The board is not in this fragment: a fragment rerun must emit all its elements again (what it
    does not emit is cleared), which for the board is ~35 elements and 3 figures per session per
    period, while most periods nothing changed. A fragment cannot rerun another one, so a move
    reruns the page (bench/README.md, "Many sessions"). The call in the page run that has just
    drawn the board checks nothing, so a board that fails to draw cannot loop."""
    if st.session_state.pop(DRAWN, False):
        return
    view = guarded(lambda: load_board_view(scope, load_change_token(scope), current_minute(), lang()))
    if view is not None and board_moved(st.session_state.get(SHOWN), view):
        st.rerun()


st.session_state[DRAWN] = True
guarded(render_board)
if paused:
    st.info(tr("overview.paused"), icon=":material/pause:")
watch_board()  # last: its container is empty
