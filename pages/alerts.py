"""Alerts: grouped by kind, port and enterprise with their counts; filters kept in the URL; select
many and acknowledge or resolve them with one comment; one alert with its history and actions."""

from __future__ import annotations

import hashlib

import streamlit as st

from components.alerts.data import (
    acknowledge,
    acknowledge_many,
    assign,
    clear_alert_readers,
    load_alert_assignees,
    load_alert_detail,
    load_alert_groups,
    load_alerts,
    reopen,
    resolve,
    resolve_many,
)
from components.alerts.filters import (
    ALERT_STATES,
    filters_from_url,
    group_code,
    group_counts,
    group_heading,
    kind_label,
    port_label,
    set_param,
    states_param,
)
from components.overview.feed import actor_name
from components.shell.formatting import as_text, enterprise_label
from components.shell.messages import alert_title
from components.shell.runtime import load_ports
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import flash, guarded, localise_times, render_empty, show_flash
from portsight.clock import as_utc
from portsight.i18n import fmt_datetime, fmt_number

actor = require_page("alerts")

# Widget keys; the value each one shows is set from the URL on every run (components.alerts.filters).
SEVERITY = "alerts.severity"
STATES = "alerts.states"
KINDS = "alerts.kinds"
PORTS = "alerts.ports"
ENTERPRISE = "alerts.enterprise"
SEARCH = "alerts.search"
SELECTED = "alerts.selected"
TABLE_ROUND = "alerts.table_round"  # a new list table (no rows selected) after each bulk action
FLASH = "alerts.flash"
KNOWN_KINDS = ("overdue", "fast_no_photo", "seal_mismatch", "prohibited_goods", "repeat_nc_enterprise",
               "repeat_nc_origin_hs", "credit_bound")  # fmt: skip
LIST_LIMIT = 500

lg = lang()
STATE_LABELS = {s: tr(f"alerts.state_{s}") for s in ALERT_STATES}
SEVERITY_LABELS = {s: tr(f"common.severity_{s}") for s in ("high", "medium", "low")}
REASON_LABELS = {r: tr(f"alerts.reason_{r}") for r in ("by_hand", "condition_cleared")}
ACTION_LABELS = {a: tr(f"alerts.action_{a}") for a in ("raise", "reopen", "acknowledge", "resolve", "assign")}

scope_ports = current_scope()
ports = {p["code"]: p for p in load_ports(scope_key(scope_ports))}
url = filters_from_url()
chosen_ports = [p for p in url.ports if p in ports]
# The port filter narrows the reader's scope (never widens it).
scope = scope_key(frozenset(ports[p]["id"] for p in chosen_ports)) if chosen_ports else scope_key(scope_ports)

st.title(tr("alerts.title"))
show_flash(FLASH)


def _to_url(name: str, key: str, as_param=None) -> None:
    value = st.session_state.get(key)
    set_param(name, as_param(value) if as_param else value)
    if name != "group":
        st.query_params.pop("group", None)  # a group belongs to the filters it was chosen under


def port_name(code: str) -> str:
    p = ports.get(code) or {}
    return port_label(lg, code, p.get("name_en"), p.get("name_zh"))


st.session_state[STATES] = list(url.states)
st.session_state[SEVERITY] = list(url.severities)
st.session_state[KINDS] = list(url.kinds)
st.session_state[PORTS] = chosen_ports
st.session_state[SEARCH] = url.search
f1, f2, f3 = st.columns(3)
f1.multiselect(tr("alerts.filter_state"), list(STATE_LABELS), format_func=STATE_LABELS.get, key=STATES,
               placeholder=tr("alerts.any_state"), on_change=_to_url, args=("state", STATES, states_param))  # fmt: skip
f2.multiselect(tr("alerts.filter_severity"), list(SEVERITY_LABELS), format_func=SEVERITY_LABELS.get, key=SEVERITY,
               placeholder=tr("alerts.any_severity"), on_change=_to_url, args=("severity", SEVERITY))  # fmt: skip
kinds = list(dict.fromkeys([*KNOWN_KINDS, *url.kinds]))
f3.multiselect(tr("alerts.filter_kind"), kinds, format_func=lambda k: kind_label(lg, k), key=KINDS,
               placeholder=tr("alerts.any_kind"), on_change=_to_url, args=("kind", KINDS))  # fmt: skip
g1, g2, g3 = st.columns(3)
g1.multiselect(tr("alerts.filter_port"), list(ports), format_func=port_name, key=PORTS,
               placeholder=tr("alerts.any_port"), on_change=_to_url, args=("port", PORTS))  # fmt: skip
g3.text_input(tr("alerts.filter_search"), key=SEARCH, placeholder=tr("alerts.search_hint"),
              on_change=_to_url, args=("search", SEARCH))  # fmt: skip

if st.button(tr("alerts.refresh"), key="alerts.refresh", icon=":material/refresh:"):
    clear_alert_readers()

groups = guarded(lambda: load_alert_groups(scope, url.states, url.severities, url.kinds, url.search))
if groups is None:
    st.stop()
# The enterprise filter offers the enterprises these groups name (and the one the URL asks for).
enterprises = {
    int(r["enterprise_id"]): enterprise_label(lg, r["enterprise"], r["enterprise_en"])
    for r in groups.dropna(subset=["enterprise_id"]).to_dict("records")
}
if url.enterprise_id is not None:
    enterprises.setdefault(url.enterprise_id, f"#{url.enterprise_id}")
    groups = groups[groups["enterprise_id"] == url.enterprise_id]
st.session_state[ENTERPRISE] = url.enterprise_id
g2.selectbox(tr("alerts.filter_enterprise"), [None, *sorted(enterprises, key=enterprises.get)],
             format_func=lambda e: tr("alerts.any_enterprise") if e is None else enterprises[e], key=ENTERPRISE,
             on_change=_to_url, args=("enterprise", ENTERPRISE, lambda e: None if e is None else str(e)))  # fmt: skip

if groups.empty and url.alert_id is None:
    render_empty("alerts.none")
    st.stop()

# ----- groups: one row each; choosing one shows its alerts below
shown_states = url.states or ALERT_STATES
codes = [group_code((r["kind"], r["port_id"], r["enterprise_id"])) for r in groups.to_dict("records")]
group = url.group if url.group is not None and group_code(url.group) in codes else None
st.subheader(tr("alerts.groups", count=fmt_number(lg, len(groups))))
table = groups.assign(
    heading=[group_heading(lg, r) for r in groups.to_dict("records")],
    **{s: [fmt_number(lg, int(v)) for v in groups[s]] for s in shown_states},
)
group_key = f"alerts.groups.{group_code(group) if group else ''}"


def _group_to_url() -> None:
    rows = (st.session_state.get(group_key) or {}).get("selection", {}).get("rows", [])
    set_param("group", codes[rows[0]] if rows else None)


st.dataframe(
    table[["heading", *shown_states]],
    hide_index=True,
    key=group_key,
    on_select=_group_to_url,
    selection_mode="single-row",
    selection_default={"selection": {"rows": [codes.index(group_code(group))]}} if group else None,
    column_config={"heading": tr("alerts.group"), **{s: STATE_LABELS[s] for s in shown_states}},
)

# ----- the alerts (of the chosen group, else of every group), selectable for one action on many
alerts = guarded(
    lambda: load_alerts(scope, url.states, url.severities, LIST_LIMIT, url.kinds, url.enterprise_id, group, url.search)
)
if alerts is None:
    st.stop()
if group is not None:
    chosen_group = groups.iloc[codes.index(group_code(group))].to_dict()
    st.subheader(as_text(group_heading(lg, chosen_group)))
    st.caption(group_counts(lg, chosen_group, shown_states))
else:
    st.subheader(tr("alerts.all_alerts"))
if alerts.empty and url.alert_id is None:
    render_empty("alerts.none")
    st.stop()


def title_of(row) -> str:
    return alert_title(lg, row.get("title_key"), row.get("title_params"), row["title"])


shown = localise_times(alerts, "last_raised_at", "first_raised_at")
shown["title"] = [title_of(r) for r in alerts.to_dict("records")]
shown["severity"] = shown["severity"].map(lambda s: SEVERITY_LABELS.get(s, s))
shown["state"] = shown["state"].map(lambda s: STATE_LABELS.get(s, s))
shown["kind"] = shown["kind"].map(lambda k: kind_label(lg, k))
shown["enterprise"] = [
    "" if e is None or e != e else enterprises.get(int(e), f"#{int(e)}") for e in alerts["enterprise_id"]
]
st.session_state.setdefault(TABLE_ROUND, 0)
# A selection is rows by position: the table is a new one (nothing selected) whenever the alerts it
# lists change, so a selection never lands on other alerts than those the reader ticked.
listed_digest = hashlib.sha1(",".join(map(str, alerts["id"])).encode()).hexdigest()[:12]
picked = st.dataframe(
    shown[["id", "severity", "state", "kind", "port", "enterprise", "title", "count", "last_raised_at", "assigned_to"]],
    hide_index=True,
    key=f"alerts.table.{st.session_state[TABLE_ROUND]}.{listed_digest}",
    on_select="rerun",
    selection_mode="multi-row",
    column_config={
        "id": tr("alerts.id"),
        "severity": tr("alerts.severity"),
        "state": tr("alerts.state"),
        "kind": tr("alerts.kind"),
        "port": tr("alerts.port"),
        "enterprise": tr("alerts.enterprise"),
        "title": tr("alerts.alert"),
        "count": tr("alerts.count"),
        "last_raised_at": tr("alerts.last_raised"),
        "assigned_to": tr("alerts.assigned_to"),
    },
)
if len(alerts) >= LIST_LIMIT:
    st.caption(tr("alerts.list_cut", count=fmt_number(lg, LIST_LIMIT)))
chosen = [int(alerts.iloc[i]["id"]) for i in picked.selection.rows]
with st.form("alerts.bulk_form", clear_on_submit=True, border=True):
    with st.container(key="alerts.bulk_count"):
        st.markdown(tr("alerts.bulk_selected", count=fmt_number(lg, len(chosen))))
    bulk_comment = st.text_area(tr("alerts.bulk_comment"), key="alerts.bulk_comment")
    b1, b2 = st.columns(2)
    ack_many = b1.form_submit_button(tr("alerts.bulk_acknowledge"), key="alerts.bulk_ack", disabled=not chosen)
    resolve_all = b2.form_submit_button(tr("alerts.bulk_resolve"), key="alerts.bulk_resolve", disabled=not chosen)
if ack_many or resolve_all:
    done = (
        guarded(lambda: acknowledge_many(actor, chosen, bulk_comment))
        if ack_many
        else guarded(lambda: resolve_many(actor, chosen, bulk_comment))
    )
    if done is not None:
        st.session_state[TABLE_ROUND] += 1
        message = "alerts.bulk_acknowledged" if ack_many else "alerts.bulk_resolved"
        flash(FLASH, tr(message, count=fmt_number(lg, len(done))))

# ----- one alert: ?alert=<id> opens it (notifications link here), also when it is outside the list
options = [int(i) for i in alerts["id"]]
labels = {
    int(r["id"]): f"#{r['id']} · {SEVERITY_LABELS.get(r['severity'], r['severity'])} · {title_of(r)}"
    for r in alerts.to_dict("records")
}
# The alert the URL names stays on screen after it leaves the filters (e.g. once resolved).
if url.alert_id is not None and url.alert_id not in labels:
    options.insert(0, url.alert_id)
    labels[url.alert_id] = f"#{url.alert_id}"
st.session_state[SELECTED] = url.alert_id if url.alert_id is not None else options[0]
alert_id = st.selectbox(
    tr("alerts.choose"),
    options,
    format_func=labels.get,
    key=SELECTED,
    on_change=lambda: set_param("alert", str(st.session_state[SELECTED])),
)
detail = guarded(lambda: load_alert_detail(scope_key(scope_ports), alert_id))
if detail is None:
    st.stop()


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
                f"- {tr('alerts.kind')}: {kind_label(lg, detail['kind'])}",
                f"- {tr('alerts.first_raised')}: {when(detail['first_raised_at'])}",
                f"- {tr('alerts.last_raised')}: {when(detail['last_raised_at'])}",
                f"- {tr('alerts.assigned_to')}: {as_text(detail['assigned_to'] or '—')}",
                f"- {tr('alerts.acknowledged_by')}: {as_text(detail['acknowledged_by'] or '—')}",
                f"- {tr('alerts.resolved_by')}: {as_text(detail['resolved_by'] or '—')}",
                f"- {tr('alerts.resolved_reason')}: {REASON_LABELS.get(detail.get('resolved_reason'), '—')}",
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
        set_param("alert", str(alert_id))
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
