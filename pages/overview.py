"""Live overview: today's figures for the ports in my scope, redrawn when a small fragment sees them move.

Every figure opens what is behind it: a card its list (a link, the filters in the URL), a
bar of the pipeline or alerts chart the list of that port and series or severity, a port on the
map or a row of the port table the board of that port (/overview?port=CNSGH, shown and clearable).
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.overview.board import (
    PORT_PARAM,
    BoardView,
    Link,
    alerts_may_be_new,
    board_moved,
    next_toast_since,
    picked_list,
    picked_port,
)
from components.overview.charts import TOPOJSON_CONFIG
from components.overview.data import (
    REFRESH_SECONDS,
    current_minute,
    load_board_view,
    load_change_token,
    load_new_high_alerts,
    port_of,
)
from components.overview.redraw import rerun_fragment
from components.shell.formatting import as_text
from components.shell.runtime import Scope
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, render_empty
from portsight.clock import utcnow

actor = require_page("overview")

PAUSE = "overview.pause"
TOAST_SINCE = "overview.toast_since"
TOAST_TOKEN = "overview.toast_token"  # the change token at the last look for new high alerts
SHOWN = "overview.shown"  # content of the board view on screen (BoardView.content)
SEEN = "overview.seen"  # what the last board view looked at was made of: (scope, token, minute, language)
DRAWN = "overview.drawn"  # set by a page run that drew the board, cleared by the watcher's call in that run
GO = "overview.go"  # the list a chart click asked for, opened by the board's next run
BOARD = "overview.board"  # the board's fragment key: the watcher reruns it alone
CHART_CONFIG = {"displayModeBar": False}
MAP_CONFIG = {**CHART_CONFIG, **TOPOJSON_CONFIG}

# My ports, from the page run: a fragment run that asked would resolve the session cookie again
# (components/shell/state.py, signed_in_now), a database round trip per board per period.
mine = scope_key(current_scope())
st.session_state.setdefault(TOAST_SINCE, utcnow())

head, toggle = st.columns([4, 1], vertical_alignment="bottom")
head.title(tr("overview.title"))
paused = toggle.toggle(tr("overview.pause"), key=PAUSE)


def board_scope() -> tuple[Scope, dict | None]:
    """The board's ports and the port of ?port= (None: no port asked, or not one of mine).

    Read in every run, fragment runs included: a click on the map changes the URL, then only
    the board's fragment reruns."""
    port = port_of(st.query_params.get(PORT_PARAM), mine)
    return (mine, None) if port is None else ((port["id"],), port)


def current_board() -> tuple[Scope, tuple[int, str], str, str]:
    """What the board's view is made of now: the arguments of load_board_view."""
    scope, _ = board_scope()
    return scope, load_change_token(scope), current_minute(), lang()


def announce_new_high_alerts(scope: Scope, token) -> None:
    """A toast for each high alert raised in my scope since the last look (asked only when the token moved)."""
    since = st.session_state[TOAST_SINCE]
    if not alerts_may_be_new(st.session_state.get(TOAST_TOKEN), token, since):
        st.session_state[TOAST_TOKEN] = token
        return
    new = load_new_high_alerts(scope, since, token, lang())
    for port, title, _ in new[:3]:
        st.toast(tr("overview.toast_high", port=port or "—", title=as_text(title)), icon=":material/warning:")
    st.session_state[TOAST_SINCE] = next_toast_since(since, token, max((at for *_, at in new), default=None))
    st.session_state[TOAST_TOKEN] = token


def show_port(code: str | None) -> None:
    if code is None:
        st.query_params.pop(PORT_PARAM, None)
    else:
        st.query_params[PORT_PARAM] = code


def on_map_click(key: str) -> None:
    code = picked_port(st.session_state.get(key))
    if code is not None:
        show_port(code)


def on_row_click(key: str, view: BoardView) -> None:
    rows = (st.session_state.get(key) or {}).get("selection", {}).get("rows") or []
    if rows:
        show_port(view.ports["port"][rows[0]].as_py())


def on_bar_click(key: str, view: BoardView) -> None:
    st.session_state[GO] = picked_list(view, st.session_state.get(key))


def open_list(link: Link) -> None:
    st.switch_page(f"pages/{link.page}.py", query_params=list(link.params))


def render_scope(port: dict | None) -> None:
    asked = st.query_params.get(PORT_PARAM)
    if port is not None:
        name = port["name_zh"] if lang() == "zh_CN" else port["name_en"]
        with st.container(key="overview.scope", horizontal=True, vertical_alignment="center"):
            st.markdown(tr("overview.scoped", port=as_text(port["code"]), name=as_text(name)))
            st.button(tr("overview.all_ports"), key="overview.all_ports", on_click=show_port, args=(None,))
    elif asked:
        st.warning(tr("overview.port_not_in_scope", port=as_text(asked)), icon=":material/block:")


def render_board() -> None:
    _, port = board_scope()
    made_of = current_board()
    scope, token, *_ = made_of
    view = load_board_view(*made_of)
    st.session_state[SHOWN] = view.content
    st.session_state[SEEN] = made_of
    render_scope(port)
    with st.container(key="overview.kpis"):
        st.html(view.cards_html)  # each card a link to its list: one element (components/overview/board.py)

    left, right = st.columns([3, 2])
    with left:
        st.subheader(tr("overview.map"), help=tr("overview.map_hint"))
        map_key = f"overview.map_chart.{port['code'] if port else ''}"
        st.plotly_chart(
            view.figures["map"],
            key=map_key,
            config=MAP_CONFIG,
            on_select=partial(on_map_click, map_key),
            selection_mode="points",
        )
        st.subheader(tr("overview.ports"))
        st.dataframe(
            view.ports,
            hide_index=True,
            key="overview.port_table",
            column_config=view.column_labels,
            on_select=partial(on_row_click, "overview.port_table", view),
            selection_mode="single-row",
        )
        st.plotly_chart(
            view.figures["pipeline"],
            key="overview.pipeline_chart",
            config=CHART_CONFIG,
            on_select=partial(on_bar_click, "overview.pipeline_chart", view),
            selection_mode="points",
        )
    with right:
        st.subheader(tr("overview.alerts"))
        st.plotly_chart(
            view.figures["alerts"],
            key="overview.alerts_chart",
            config=CHART_CONFIG,
            on_select=partial(on_bar_click, "overview.alerts_chart", view),
            selection_mode="points",
        )
        st.subheader(tr("overview.feed"))
        if view.feed is None:
            render_empty("overview.no_events")
        else:
            with st.container(key="overview.feed", height=420):
                st.markdown(view.feed)
    with st.container(key="overview.as_of"):
        st.caption(view.as_of, help=view.as_of_help)
    announce_new_high_alerts(scope, token)


@st.fragment(key=BOARD)
def board() -> None:
    """The board: drawn by the page run, then redrawn alone when the watcher sees it move or one
    of its charts or its table is clicked."""
    link = st.session_state.pop(GO, None)
    if link is not None:
        open_list(link)
    guarded(render_board)


@st.fragment(run_every=None if paused else REFRESH_SECONDS)
def watch_board() -> None:
    """Every period: redraw the board when it moved, else nothing (one cached lookup: the token).

    The board is not in this fragment: a fragment rerun must emit all its elements again (what it
    does not emit is cleared), which for the board is ~16 elements and 3 figures per session per
    period, while most periods nothing changed. A move reruns the board's fragment alone
    (components/overview/redraw.py; bench/README.md, "Many sessions"). The call in the page run
    that has just drawn the board checks nothing, and neither does a period whose token and minute
    are those of the last view looked at."""
    if st.session_state.pop(DRAWN, False):
        return
    made_of = guarded(current_board)
    if made_of is None or made_of == st.session_state.get(SEEN):
        return
    view = guarded(partial(load_board_view, *made_of))
    if view is None:
        return
    st.session_state[SEEN] = made_of
    if board_moved(st.session_state.get(SHOWN), view):
        rerun_fragment(BOARD)


st.session_state[DRAWN] = True
board()
if paused:
    st.info(tr("overview.paused"), icon=":material/pause:")
watch_board()  # last: its container is empty
