"""One enterprise (/enterprise?id=N), opened from the weekly review, a record or an alert: its
declarations and inspections by month, recent inspections, credit timeline, findings by rule, the
risk profiles that hit it and its open alerts, all within the reader's ports."""

from __future__ import annotations

import streamlit as st

from components.enterprises.charts import history_chart
from components.enterprises.data import (
    load_alerts,
    load_credit_timeline,
    load_enterprise,
    load_findings,
    load_history,
    load_profiles,
    load_recent,
)
from components.shell.formatting import (
    as_text,
    credit_tier_label,
    decision_label,
    enterprise_label,
    rule_title,
    state_text,
)
from components.shell.links import alerts_url, inspections_url
from components.shell.messages import alert_title
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import fmt_time, guarded, render_empty, severity_label
from components.statistics.drill import page_and_params
from portsight.i18n import fmt_date, fmt_number, fmt_percent, t

actor = require_page("enterprise")

ID = "id"
GO = "enterprise.go"  # the record a row click asked for, opened by the next run
RECENT = "enterprise.recent"

go = st.session_state.pop(GO, None)
if go:
    page, params = page_and_params(go)
    st.switch_page(page, query_params=params)

language = lang()
scope = scope_key(current_scope())
st.title(tr("enterprise.title"))

raw = st.query_params.get(ID, "")
enterprise_id = int(raw) if raw.isdigit() and len(raw) <= 12 else None
if enterprise_id is None:
    render_empty("enterprise.no_id")
    st.stop()
info = guarded(lambda: load_enterprise(scope, enterprise_id))
if info is None:
    st.warning(tr("enterprise.not_found"), icon=":material/domain_disabled:")
    st.stop()


def page_link(url: str, label_key: str, icon: str) -> None:
    page, params = page_and_params(url)
    st.page_link(page, label=tr(label_key), query_params=params, icon=icon)


# ---------------------------------------------------------------- who
st.header(as_text(enterprise_label(language, info.name, info.name_en)))
st.caption(tr("enterprise.intro"))
cards = st.columns(3)
cards[0].metric(tr("enterprise.uscc"), info.uscc, border=True)
cards[1].metric(tr("enterprise.tier_now"), credit_tier_label(language, info.credit_tier), border=True)
cards[2].metric(
    tr("enterprise.declarations"),
    fmt_number(language, info.declarations),
    help=tr(
        "enterprise.first_last",
        first=fmt_time(info.first_declared_at),
        last=fmt_time(info.last_declared_at),
    ),
    border=True,
)
if info.under_investigation:
    st.warning(tr("enterprise.under_investigation"), icon=":material/gavel:")
with st.container(horizontal=True):
    page_link(inspections_url(enterprise_id=info.id), "enterprise.all_inspections", ":material/manage_search:")
    page_link(inspections_url(enterprise_id=info.id, finding="any"), "enterprise.open_findings", ":material/report:")
    page_link(alerts_url(enterprise=info.id), "enterprise.all_alerts", ":material/notifications:")

# ---------------------------------------------------------------- history
st.subheader(tr("enterprise.history"))
st.caption(tr("enterprise.history_text"))
history = guarded(lambda: load_history(scope, info.id))
if history is not None and not history.empty:
    labels = {k: tr(f"enterprise.{k}") for k in ("declarations", "inspections", "non_conforming")}
    st.plotly_chart(history_chart(history, labels), key="enterprise.chart_history", width="stretch")
    st.dataframe(
        history.iloc[::-1].assign(**{c: [fmt_number(language, v) for v in history[c].iloc[::-1]] for c in labels}),
        hide_index=True,
        column_order=["month", "declarations", "inspected", "inspections", "non_conforming"],
        column_config={
            "month": tr("enterprise.month"),
            "inspected": tr("enterprise.inspected"),
            **{c: label for c, label in labels.items()},
        },
    )

st.subheader(tr("enterprise.recent"))
st.caption(tr("enterprise.recent_text"))
recent = guarded(lambda: load_recent(scope, info.id))
if recent is not None and not recent.empty:
    ids = [int(i) for i in recent["inspection_id"]]

    def open_record() -> None:
        rows = (st.session_state.get(RECENT) or {}).get("selection", {}).get("rows") or []
        if rows:
            st.session_state[GO] = inspections_url(id=ids[rows[0]])

    shown = recent.assign(
        state=[state_text(language, s) for s in recent["state"]],
        decision=[decision_label(language, d) for d in recent["decision"]],
        created_at=[fmt_time(v) for v in recent["created_at"]],
        completed_at=[fmt_time(v) for v in recent["completed_at"]],
    )
    st.dataframe(
        shown,
        hide_index=True,
        key=RECENT,
        on_select=open_record,
        selection_mode="single-row",
        column_config={
            "inspection_id": tr("enterprise.col_inspection"),
            "declaration": tr("enterprise.col_declaration"),
            "port": tr("enterprise.col_port"),
            "state": tr("enterprise.col_state"),
            "decision": tr("enterprise.col_decision"),
            "created_at": tr("enterprise.col_created"),
            "completed_at": tr("enterprise.col_completed"),
            "findings": tr("enterprise.col_findings"),
        },
    )

# ---------------------------------------------------------------- credit
st.subheader(tr("enterprise.credit"))
st.caption(tr("enterprise.credit_text"))
timeline = guarded(lambda: load_credit_timeline(info.id))
if timeline:
    st.dataframe(
        [
            {
                "valid_from": fmt_date(language, c["valid_from"]),
                "tier": credit_tier_label(language, c["credit_tier"], c["valid_from"]),
                "reason": as_text(c["reason"] or "—"),
                "recorded_at": fmt_time(c["recorded_at"]),
                "recorded_by": c["recorded_by"] or "—",
                "source": tr(f"enterprise.source_{c['source'] or 'unknown'}"),
            }
            for c in timeline
        ],
        hide_index=True,
        column_config={
            "valid_from": tr("enterprise.col_valid_from"),
            "tier": tr("enterprise.col_tier"),
            "reason": tr("enterprise.col_reason"),
            "recorded_at": tr("enterprise.col_recorded"),
            "recorded_by": tr("enterprise.col_recorded_by"),
            "source": tr("enterprise.col_source"),
        },
    )
elif timeline is not None:
    render_empty("enterprise.credit_none")

# ---------------------------------------------------------------- findings
st.subheader(tr("enterprise.findings"))
st.caption(tr("enterprise.findings_text"))
findings = guarded(lambda: load_findings(scope, info.id))
if findings is not None and findings.empty:
    render_empty("enterprise.findings_none")
elif findings is not None:
    st.dataframe(
        [
            {
                "rule": tr("enterprise.no_rule") if r["rule_id"] is None else rule_title(language, r["rule_id"]),
                "findings": fmt_number(language, r["findings"]),
                "inspections": fmt_number(language, r["inspections"]),
                "last_at": fmt_time(r["last_at"]),
                "repeated": tr("enterprise.yes") if r["repeated"] else tr("enterprise.no"),
            }
            for r in findings.to_dict("records")
        ],
        hide_index=True,
        column_config={
            "rule": tr("enterprise.col_rule"),
            "findings": tr("enterprise.col_count"),
            "inspections": tr("enterprise.col_inspections"),
            "last_at": tr("enterprise.col_last"),
            "repeated": tr("enterprise.col_repeated"),
        },
    )

# ---------------------------------------------------------------- risk profiles
st.subheader(tr("enterprise.profiles"))
st.caption(tr("enterprise.profiles_text"))
profiles = guarded(lambda: load_profiles(scope, info.id))
if profiles is not None and profiles.empty:
    render_empty("enterprise.profiles_none")
elif profiles is not None:
    st.dataframe(
        [
            {
                "name": as_text(p["name"]),
                "action": tr("enterprise.action_force")
                if p["action"] == "force"
                else tr("enterprise.action_raise", rate=fmt_percent(language, p["rate"])),
                "active": tr("enterprise.yes") if p["active"] else tr("enterprise.no"),
                "period": f"{fmt_time(p['starts_at'])} – {fmt_time(p['expires_at'])}",
                "hits": fmt_number(language, p["hits"]),
                "fired": fmt_number(language, p["fired"]),
            }
            for p in profiles.to_dict("records")
        ],
        hide_index=True,
        column_config={
            "name": tr("enterprise.col_profile"),
            "action": tr("enterprise.col_action"),
            "active": tr("enterprise.col_active"),
            "period": tr("enterprise.col_period"),
            "hits": tr("enterprise.col_hits"),
            "fired": tr("enterprise.col_fired"),
        },
    )

# ---------------------------------------------------------------- alerts
st.subheader(tr("enterprise.alerts"))
alerts = guarded(lambda: load_alerts(scope, info.id))
if alerts is not None and alerts.empty:
    render_empty("enterprise.alerts_none")
elif alerts is not None:
    kinds = {a: t(language, f"alerts.kind_{a}") for a in alerts["kind"]}
    st.dataframe(
        [
            {
                "alert_id": int(a["alert_id"]),
                "severity": severity_label(a["severity"]),
                "kind": kinds[a["kind"]],
                "title": alert_title(language, a["title_key"], a["title_params"], a["title"]),
                "count": fmt_number(language, a["count"]),
                "last_raised_at": fmt_time(a["last_raised_at"]),
            }
            for a in alerts.to_dict("records")
        ],
        hide_index=True,
        column_config={
            "alert_id": tr("enterprise.col_alert"),
            "severity": tr("enterprise.col_severity"),
            "kind": tr("enterprise.col_kind"),
            "title": tr("enterprise.col_title"),
            "count": tr("enterprise.col_times"),
            "last_raised_at": tr("enterprise.col_raised"),
        },
    )
