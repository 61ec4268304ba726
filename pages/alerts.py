"""Alerts: filter by severity and state, then acknowledge, assign, resolve (with a comment) or re-open."""

from __future__ import annotations

import streamlit as st

from components.alerts.data import (
    acknowledge,
    assign,
    clear_alert_readers,
    load_alert_assignees,
    load_alert_detail,
    load_alerts,
    reopen,
    resolve,
)
from components.overview.feed import actor_name
from components.shell.formatting import as_text
from components.shell.messages import alert_title
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, localise_times, render_empty
from portsight.clock import as_utc
from portsight.i18n import fmt_datetime

actor = require_page("alerts")

SEVERITY = "alerts.severity"
STATES = "alerts.states"
SELECTED = "alerts.selected"
KINDS = ("overdue", "fast_no_photo", "seal_mismatch", "prohibited_goods", "repeat_nc_enterprise", "repeat_nc_origin_hs",
         "credit_bound")  # fmt: skip
KIND_LABELS = {k: tr(f"alerts.kind_{k}") for k in KINDS}
STATE_LABELS = {s: tr(f"alerts.state_{s}") for s in ("open", "acknowledged", "resolved")}
SEVERITY_LABELS = {s: tr(f"common.severity_{s}") for s in ("high", "medium", "low")}
ACTION_LABELS = {a: tr(f"alerts.action_{a}") for a in ("raise", "reopen", "acknowledge", "resolve", "assign")}

scope = scope_key(current_scope())
st.title(tr("alerts.title"))

f1, f2 = st.columns(2)
severities = f1.multiselect(
    tr("alerts.filter_severity"),
    list(SEVERITY_LABELS),
    format_func=SEVERITY_LABELS.get,
    key=SEVERITY,
    placeholder=tr("alerts.any_severity"),
)
st.session_state.setdefault(STATES, ["open", "acknowledged"])
states = f2.multiselect(
    tr("alerts.filter_state"),
    list(STATE_LABELS),
    format_func=STATE_LABELS.get,
    key=STATES,
    placeholder=tr("alerts.any_state"),
)

if st.button(tr("alerts.refresh"), key="alerts.refresh", icon=":material/refresh:"):
    clear_alert_readers()
alerts = guarded(lambda: load_alerts(scope, tuple(states), tuple(severities), 500))
if alerts is None:
    st.stop()
if alerts.empty:
    render_empty("alerts.none")
    st.stop()


def title_of(row) -> str:
    return alert_title(lang(), row.get("title_key"), row.get("title_params"), row["title"])


table = localise_times(alerts, "last_raised_at", "first_raised_at")
table["title"] = [title_of(r) for r in alerts.to_dict("records")]
table["severity"] = table["severity"].map(lambda s: SEVERITY_LABELS.get(s, s))
table["state"] = table["state"].map(lambda s: STATE_LABELS.get(s, s))
table["kind"] = table["kind"].map(lambda k: KIND_LABELS.get(k, k))
st.dataframe(
    table[["id", "severity", "state", "kind", "port", "title", "count", "last_raised_at", "assigned_to"]],
    hide_index=True,
    key="alerts.table",
    column_config={
        "id": tr("alerts.id"),
        "severity": tr("alerts.severity"),
        "state": tr("alerts.state"),
        "kind": tr("alerts.kind"),
        "port": tr("alerts.port"),
        "title": tr("alerts.alert"),
        "count": tr("alerts.count"),
        "last_raised_at": tr("alerts.last_raised"),
        "assigned_to": tr("alerts.assigned_to"),
    },
)

options = [int(i) for i in alerts["id"]]
labels = {
    int(r["id"]): f"#{r['id']} · {SEVERITY_LABELS.get(r['severity'], r['severity'])} · {title_of(r)}"
    for _, r in alerts.iterrows()
}
# ?id=<alert> selects an alert, and keeps it on screen after it leaves the filter (e.g. once resolved).
wanted = st.query_params.get("id")
if wanted and wanted.isdigit():
    if int(wanted) not in labels:
        options.insert(0, int(wanted))
        labels[int(wanted)] = f"#{wanted}"
    st.session_state[SELECTED] = int(wanted)
if st.session_state.get(SELECTED) not in labels:
    st.session_state[SELECTED] = options[0]


def _on_select() -> None:
    st.query_params["id"] = str(st.session_state[SELECTED])


alert_id = st.selectbox(tr("alerts.choose"), options, format_func=labels.get, key=SELECTED, on_change=_on_select)
detail = guarded(lambda: load_alert_detail(scope, alert_id))
if detail is None:
    st.stop()

lg = lang()


def when(value) -> str:
    return fmt_datetime(lg, None if value is None else as_utc(value))


with st.container(border=True, key="alerts.detail"):
    st.subheader(f"#{detail['id']} · {as_text(title_of(detail))}")
    c = st.columns(4)
    c[0].metric(tr("alerts.severity"), SEVERITY_LABELS.get(detail["severity"], detail["severity"]))
    c[1].metric(tr("alerts.state"), STATE_LABELS.get(detail["state"], detail["state"]))
    c[2].metric(tr("alerts.count"), detail["count"])
    c[3].metric(tr("alerts.port"), detail["port"] or "—")
    info = detail.get("detail") or {}
    st.markdown(
        "\n".join(
            [
                f"- {tr('alerts.kind')}: {KIND_LABELS.get(detail['kind'], detail['kind'])}",
                f"- {tr('alerts.first_raised')}: {when(detail['first_raised_at'])}",
                f"- {tr('alerts.last_raised')}: {when(detail['last_raised_at'])}",
                f"- {tr('alerts.assigned_to')}: {as_text(detail['assigned_to'] or '—')}",
                f"- {tr('alerts.acknowledged_by')}: {as_text(detail['acknowledged_by'] or '—')}",
                f"- {tr('alerts.resolved_by')}: {as_text(detail['resolved_by'] or '—')}",
                f"- {tr('alerts.comment')}: {as_text(detail['comment'] or '—')}",
            ]
        )
    )
    finding = info.get("finding") if isinstance(info, dict) else None
    if finding:
        st.info(as_text(finding.get("zh" if lg == "zh_CN" else "en", "")), icon=":material/gavel:")
        citation = info.get("citation") or {}
        st.caption(as_text(citation.get("zh" if lg == "zh_CN" else "en", "")))
    if detail.get("inspection_id"):
        st.page_link(
            "pages/inspections.py",
            label=tr("alerts.open_inspection", id=detail["inspection_id"]),
            query_params={"id": str(detail["inspection_id"])},
            icon=":material/open_in_new:",
        )

    done = None
    if detail["state"] == "open":
        with st.form("alerts.ack_form", clear_on_submit=True):
            comment = st.text_input(tr("alerts.ack_comment"), key="alerts.ack_comment")
            if st.form_submit_button(tr("alerts.acknowledge"), key="alerts.ack"):
                done = guarded(lambda: acknowledge(actor, alert_id, comment))
    if detail["state"] in ("open", "acknowledged"):
        with st.form("alerts.resolve_form", clear_on_submit=True):
            comment = st.text_area(tr("alerts.resolve_comment"), key="alerts.resolve_comment")
            if st.form_submit_button(tr("alerts.resolve"), key="alerts.resolve"):
                done = guarded(lambda: resolve(actor, alert_id, comment))
        people = guarded(lambda: load_alert_assignees(detail["port_id"])) or []
        names = {None: tr("alerts.nobody")} | {p["id"]: f"{p['display_name']} ({p['username']})" for p in people}
        with st.form("alerts.assign_form"):
            who = st.selectbox(
                tr("alerts.assign_to"),
                list(names),
                format_func=names.get,
                key="alerts.assignee",
                index=list(names).index(detail["assigned_to_id"]) if detail["assigned_to_id"] in names else 0,
            )
            if st.form_submit_button(tr("alerts.assign"), key="alerts.assign"):
                done = guarded(lambda: assign(actor, alert_id, who))
    if detail["state"] == "resolved":
        with st.form("alerts.reopen_form", clear_on_submit=True):
            comment = st.text_input(tr("alerts.reopen_comment"), key="alerts.reopen_comment")
            if st.form_submit_button(tr("alerts.reopen"), key="alerts.reopen"):
                done = guarded(lambda: reopen(actor, alert_id, comment))
    if done is not None:
        st.query_params["id"] = str(alert_id)
        st.rerun()

    st.markdown(f"**{tr('alerts.history')}**")
    history = detail["history"]
    if not history:
        render_empty("alerts.no_history")
    else:
        with st.container(key="alerts.history"):
            st.markdown(
                "\n".join(
                    f"- {when(h['at'])} · {as_text(actor_name(lg, h['actor'], None))} · "
                    f"{ACTION_LABELS.get(h['action'], h['action'])}"
                    + (
                        f" — {as_text((h.get('after') or {}).get('comment'))}"
                        if (h.get("after") or {}).get("comment")
                        else ""
                    )
                    for h in history
                )
            )
