"""Live overview: today's figures for the ports in my scope, refreshed by one fragment."""

from __future__ import annotations

import streamlit as st

from components import charts_overview as charts
from components.data import scope_key
from components.state import current_scope, lang, require_page, tr
from components.supervision_data import (
    REFRESH_SECONDS,
    current_minute,
    load_change_token,
    load_new_high_alerts,
    load_overview,
    overview_figures,
)
from components.widgets import guarded, localise_times, render_empty
from portsight.clock import utcnow
from portsight.i18n import fmt_duration_minutes, fmt_number, fmt_percent

PAUSE = "overview.pause"
TOAST_SINCE = "overview.toast_since"

actor = require_page("overview")
scope = scope_key(current_scope())
st.session_state.setdefault(TOAST_SINCE, utcnow())

head, toggle = st.columns([4, 1], vertical_alignment="bottom")
head.title(tr("overview.title"))
paused = toggle.toggle(tr("overview.pause"), key=PAUSE)

STATUS_LABELS = {s: tr(f"overview.status_{s}") for s in charts.PORT_STATUSES}
SEVERITY_LABELS = {s: tr(f"common.severity_{s}") for s in ("high", "medium", "low")}
PIPELINE_LABELS = {
    "waiting": tr("overview.waiting"),
    "under_inspection": tr("overview.under_inspection"),
    "completed": tr("overview.completed"),
    "overdue": tr("overview.overdue"),
}
FIGURE_LABELS = tuple(sorted(
    {**{f"status_{k}": v for k, v in STATUS_LABELS.items()}, **{f"severity_{k}": v for k, v in SEVERITY_LABELS.items()},
     **PIPELINE_LABELS, "map_counts": tr("overview.map_counts")}.items()
))


def announce_new_high_alerts(token) -> None:
    """A toast for each high alert raised in my scope since the last look."""
    new = load_new_high_alerts(scope, st.session_state[TOAST_SINCE], token)
    if new.empty:
        return
    for row in new.head(3).itertuples():
        st.toast(tr("overview.toast_high", port=row.port or "—", title=row.title), icon=":material/warning:")
    st.session_state[TOAST_SINCE] = max(new["last_raised_at"])


def render_board() -> None:
    token = load_change_token(scope)
    minute = current_minute()
    board = load_overview(scope, token, minute)
    k = board.kpis
    lg = lang()
    name_column = "name_zh" if lg == "zh_CN" else "name_en"
    figures = overview_figures(scope, token, minute, FIGURE_LABELS, name_column)
    with st.container(key="overview.kpis"):
        row1 = st.columns(4)
        row1[0].metric(tr("overview.declarations"), fmt_number(lg, k["declarations"]))
        row1[1].metric(tr("overview.waiting"), fmt_number(lg, k["waiting"]))
        row1[2].metric(tr("overview.under_inspection"), fmt_number(lg, k["under_inspection"]))
        row1[3].metric(tr("overview.completed"), fmt_number(lg, k["completed"]))
        row2 = st.columns(4)
        row2[0].metric(tr("overview.released"), fmt_number(lg, k["released"]))
        row2[1].metric(tr("overview.held"), fmt_number(lg, k["held"]))
        row2[2].metric(tr("overview.overdue"), fmt_number(lg, k["overdue"]))
        row2[3].metric(tr("overview.inspection_rate"), fmt_percent(lg, k["inspection_rate"]))
        row3 = st.columns(4)
        row3[0].metric(tr("overview.release_p50"), fmt_duration_minutes(lg, k["release_p50_minutes"]))
        row3[1].metric(tr("overview.release_p90"), fmt_duration_minutes(lg, k["release_p90_minutes"]))
        for col, severity in zip(row3[2:], ("high", "medium"), strict=True):
            col.metric(tr("overview.open_alerts", severity=SEVERITY_LABELS[severity]),
                       board.alerts_by_severity[severity])

    left, right = st.columns([3, 2])
    with left:
        st.subheader(tr("overview.map"))
        st.plotly_chart(figures["map"], key="overview.map_chart", config={"displayModeBar": False})
        st.subheader(tr("overview.ports"))
        table = board.ports.copy()
        table["status"] = table.apply(lambda r: STATUS_LABELS[charts.port_status(r.to_dict())], axis=1)
        table["name"] = table[name_column]
        st.dataframe(
            table[["port", "name", "status", "declarations", "waiting", "under_inspection", "completed", "released",
                   "held", "overdue", "alerts_high"]],
            hide_index=True, key="overview.port_table",
            column_config={
                "port": tr("overview.port"), "name": tr("overview.port_name"), "status": tr("overview.status"),
                "declarations": tr("overview.declarations"), "waiting": tr("overview.waiting"),
                "under_inspection": tr("overview.under_inspection"), "completed": tr("overview.completed"),
                "released": tr("overview.released"), "held": tr("overview.held"), "overdue": tr("overview.overdue"),
                "alerts_high": tr("overview.alerts_high"),
            },
        )
        st.plotly_chart(figures["pipeline"], key="overview.pipeline_chart", config={"displayModeBar": False})
    with right:
        st.subheader(tr("overview.alerts"))
        st.plotly_chart(figures["alerts"], key="overview.alerts_chart", config={"displayModeBar": False})
        st.subheader(tr("overview.feed"))
        if board.events.empty:
            render_empty("overview.no_events")
        else:
            feed = localise_times(board.events, "at")
            lines = [
                f"`#{e.id}` {e.at} · **{e.port}** · "
                + tr("overview.event", actor=e.actor, action=e.action, entity=e.entity, entity_id=e.entity_id or "")
                for e in feed.itertuples()
            ]
            with st.container(key="overview.feed", height=420):
                st.markdown("\n".join(f"- {line}" for line in lines))
    with st.container(key="overview.as_of"):
        st.caption(tr("overview.as_of", event=token[0], seconds=REFRESH_SECONDS), help=tr("overview.as_of_help"))
    announce_new_high_alerts(token)


@st.fragment(run_every=None if paused else REFRESH_SECONDS)
def live_panel() -> None:
    guarded(render_board)


live_panel()
if paused:
    st.info(tr("overview.paused"), icon=":material/pause:")
