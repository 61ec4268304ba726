"""Inspections: the filtered, sorted, paginated list with CSV / Excel export, and one inspection's
record (opened by ?id=<inspection id>)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.inspections.data import (
    filter_of,
    load_declaration_number,
    load_enterprise,
    load_export,
    load_finding_rules,
    load_inspection_record,
    load_inspections,
    load_inspectors,
    load_ports,
    media_dir,
)
from components.inspections.filters import (
    ANY_FINDING,
    ASCENDING,
    MAX_PAGE,
    SORTS,
    ListFilters,
    filters_from_url,
    finding_choices,
    set_dates,
    set_param,
)
from components.inspections.report import REPORTS_PER_ZIP, listed_reports, report_file
from components.shell.formatting import (
    as_text,
    audit_action_label,
    code_label,
    country_label,
    credit_tier_label,
    decision_label,
    direction_label,
    enterprise_label,
    fields_text,
    goods_text,
    hs_text,
    number_text,
    outcome_label,
    rule_title,
    selection_reason_text,
    step_title,
    transport_label,
    unit_label,
    value_text,
    values_text,
)
from components.shell.messages import alert_title
from components.shell.names import enterprise_names
from components.shell.photos import render_photo
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import fmt_time, guarded, localise_times, render_empty, severity_label, state_label
from portsight.clock import as_utc
from portsight.domain.conditions import in_language
from portsight.domain.inspection import CLOSING_DECISIONS, InspectionState

actor = require_page("inspections")

PAGE_SIZE = 50
PORT_ZONE = ZoneInfo("Asia/Shanghai")
MEDIA_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}

scope = scope_key(current_scope())
lg = lang()


def table(rows: list[dict], columns: dict[str, str], key: str, times: tuple[str, ...] = ()) -> None:
    if not rows:
        render_empty("inspections.nothing")
        return
    df = localise_times(pd.DataFrame(rows), *times)
    for col in df.columns:  # no raw JSON: a stored dict or list is read as labelled values
        if df[col].map(lambda v: isinstance(v, dict | list)).any():
            df[col] = df[col].map(lambda v: fields_text(lg, v) if isinstance(v, dict) else _listed(v))
    shown = [c for c in columns if c in df.columns]
    st.dataframe(df[shown], hide_index=True, key=key, column_config={c: columns[c] for c in shown})


def render_record(inspection_id: int) -> None:
    if st.button(tr("inspections.back"), key="inspections.back", icon=":material/arrow_back:"):
        st.query_params.pop("id", None)  # the list's filters stay in the URL
        st.rerun()
    record = guarded(lambda: load_inspection_record(scope, inspection_id))
    if record is None:
        return
    ins, decl, port = record["inspection"], record["declaration"], record["port"]
    port_name = port["name_zh"] if lg == "zh_CN" else port["name_en"]
    st.title(tr("inspections.record_title", id=ins["id"], number=as_text(decl["number"])))
    st.download_button(
        tr("report.download"),
        data=report_file(actor, inspection_id),
        file_name=f"inspection-{inspection_id}.pdf",
        mime="application/pdf",
        key="inspections.report",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
    )
    with st.container(key="inspections.record_head"):
        c = st.columns(4)
        c[0].metric(tr("inspections.state"), state_label(ins["state"]))
        c[1].metric(tr("inspections.decision"), decision_label(lg, ins["decision"]))
        c[2].metric(tr("inspections.port"), f"{port['code']} · {port_name}")
        enterprise = record["enterprise"]
        c[3].metric(
            tr("inspections.enterprise"),
            as_text(enterprise_label(lg, enterprise.get("name"), enterprise.get("name_en"))),
        )
    tabs = st.tabs(
        [
            tr("inspections.tab_declaration"),
            tr("inspections.tab_selection"),
            tr("inspections.tab_timeline"),
            tr("inspections.tab_checklist"),
            tr("inspections.tab_photos"),
            tr("inspections.tab_findings"),
            tr("inspections.tab_assist"),
            tr("inspections.tab_decision"),
            tr("inspections.tab_audit"),
        ]
    )
    with tabs[0]:
        tier = credit_tier_label(lg, enterprise.get("credit_tier"), _local_day(decl["declared_at"]))
        st.markdown(
            "\n".join(
                [
                    f"- {tr('inspections.declaration')}: **{as_text(decl['number'])}**",
                    f"- {tr('inspections.direction')}: {direction_label(lg, decl['direction'])}"
                    f" · {transport_label(lg, decl['transport_mode'])}",
                    f"- {tr('inspections.origin')}: {as_text(country_label(lg, decl['origin_country']))}",
                    f"- {tr('inspections.declared_at')}: {fmt_time(decl['declared_at'])}",
                    f"- {tr('inspections.credit_tier')}: {tier}",
                ]
            )
        )
        st.markdown(f"**{tr('inspections.goods')}**")
        table(
            [_goods_row(g) for g in record["goods"]],
            {
                "line_no": "#",
                "hs_code": "HS",
                "heading": tr("inspections.hs_heading"),
                "description": tr("inspections.description"),
                "quantity": tr("inspections.quantity"),
                "unit": tr("inspections.unit"),
                "gross_weight_kg": tr("inspections.weight"),
                "value": tr("inspections.value"),
                "currency": "",
            },
            "inspections.goods",
        )
        st.markdown(f"**{tr('inspections.containers')}**")
        table(
            record["containers"],
            {
                "number": tr("inspections.container"),
                "size_type": tr("inspections.size_type"),
                "declared_seal": tr("inspections.declared_seal"),
            },
            "inspections.containers",
        )
    with tabs[1]:
        sel = record["selection"]
        if not sel:
            render_empty("inspections.no_selection")
        else:
            st.markdown(
                "\n".join(
                    [
                        f"- {tr('inspections.outcome')}: **{outcome_label(lg, sel['outcome'])}**",
                        f"- {tr('inspections.reasons')}: "
                        f"{as_text('; '.join(selection_reason_text(lg, r) for r in sel['reasons'] or [])) or '—'}",
                        f"- {tr('inspections.rate')}: {sel['rate']:.1%}",
                        f"- {tr('inspections.seed')}: `{sel['seed']}` · {sel['code_version']}",
                        f"- {tr('inspections.drawn_at')}: {fmt_time(sel['drawn_at'])}",
                    ]
                )
            )
        st.markdown(f"**{tr('inspections.inspectors')}**")
        table(
            record["inspectors"],
            {
                "display_name": tr("inspections.inspector"),
                "position": tr("inspections.position"),
                "assigned_at": tr("inspections.at"),
                "draw_seed": tr("inspections.seed"),
            },
            "inspections.inspectors",
            ("assigned_at",),
        )
    with tabs[2]:
        with st.container(key="inspections.timeline"):
            if not record["timeline"]:
                render_empty("inspections.nothing")
            for step in record["timeline"]:
                before = state_label(step["from_state"]) if step["from_state"] else "—"
                st.markdown(
                    f"- {fmt_time(step['at'])} · {before} → **{state_label(step['to_state'])}**"
                    f" · {as_text(step['by'] or tr('inspections.system'))}"
                )
    with tabs[3]:
        table(
            [_step_row(step) for step in record["steps"]],
            {
                "step_key": tr("inspections.step"),
                "container": tr("inspections.container"),
                "outcome": tr("inspections.outcome"),
                "values": tr("inspections.values"),
                "rules_applied": tr("inspections.rules_applied"),
                "note": tr("inspections.note"),
                "recorded_at": tr("inspections.at"),
                "by": tr("inspections.by"),
            },
            "inspections.steps",
            ("recorded_at",),
        )
    with tabs[4]:
        photos = record["evidence"]
        if not photos:
            render_empty("inspections.no_photos")
        by_step: dict[str, list[dict]] = {}
        for item in photos:
            by_step.setdefault(item["step_key"] or tr("inspections.other"), []).append(item)
        for step_key, items in by_step.items():
            st.markdown(f"**{as_text(step_title(lg, step_key))}**")
            cols = st.columns(4)
            for i, item in enumerate(items):
                path = _media_path(item)
                with cols[i % 4]:
                    render_photo(
                        path,
                        item["id"],
                        caption=f"{code_label(lg, 'source', item['source'])} · {fmt_time(item['taken_at'])}",
                    )
    with tabs[5]:
        table(
            [_finding_row(f) for f in record["findings"]],
            {
                "severity": tr("inspections.severity"),
                "step_key": tr("inspections.step"),
                "rule_id": tr("inspections.rule"),
                "description": tr("inspections.description"),
                "citation": tr("inspections.citation"),
                "created_at": tr("inspections.at"),
                "by": tr("inspections.by"),
            },
            "inspections.findings",
            ("created_at",),
        )
    with tabs[6]:
        table(
            [{**a, "state": tr(f"assist.state_{a['state']}")} for a in record["assist_sessions"]],
            {
                "id": "#",
                "state": tr("inspections.state"),
                "question": tr("inspections.question"),
                "expert": tr("inspections.expert"),
                "requested_at": tr("inspections.at"),
                "note": tr("inspections.note"),
                "conclusion": tr("inspections.conclusion"),
                "messages": tr("inspections.messages"),
            },
            "inspections.assist",
            ("requested_at",),
        )
        snaps = [e for e in photos if e.get("assist_session_id")]
        if snaps:
            st.caption(tr("inspections.snapshots", count=len(snaps)))
    with tabs[7]:
        st.markdown(
            "\n".join(
                [
                    f"- {tr('inspections.decision')}: **{decision_label(lg, ins['decision'])}**"
                    f" · {as_text(ins['decided_by'] or '—')}",
                    f"- {tr('inspections.decided_at')}: {fmt_time(ins['decided_at'])}",
                ]
            )
        )
        receipt = record["receipt"]
        if receipt:
            st.markdown(
                f"- {tr('inspections.receipt')}: `{receipt['receipt_no']}` · {fmt_time(receipt['issued_at'])}"
                f" · {tr('inspections.used_at')}: {fmt_time(receipt['used_at'])} {as_text(receipt['used_gate'] or '')}"
            )
        else:
            render_empty("inspections.no_receipt")
        table(
            [
                {
                    **a,
                    "severity": severity_label(a["severity"]),
                    "state": tr(f"alerts.state_{a['state']}"),
                    "kind": tr(f"alerts.kind_{a['kind']}"),
                    "title": alert_title(lg, a["title_key"], a["title_params"], a["title"]),
                }
                for a in record["alerts"]
            ],  # fmt: skip
            {
                "id": "#",
                "kind": tr("inspections.alert_kind"),
                "severity": tr("inspections.severity"),
                "state": tr("inspections.state"),
                "count": tr("inspections.count"),
                "title": tr("inspections.alert"),
            },
            "inspections.alerts",
        )
    with tabs[8]:
        with st.container(key="inspections.audit"):
            if not record["audit"]:
                render_empty("inspections.nothing")
            for entry in record["audit"]:
                after = fields_text(lg, entry["after"]) if entry["after"] else ""
                st.markdown(
                    f"- {fmt_time(entry['at'])} · {as_text(entry['actor'])} · "
                    f"{as_text(audit_action_label(lg, entry['action']))}" + (f" · {as_text(after)}" if after else "")
                )


def _local_day(value) -> date | None:
    """The port's calendar day of a stored time (the credit measures in force that day name the tier)."""
    return as_utc(value).astimezone(PORT_ZONE).date() if value is not None else None


def _listed(value: object) -> object:
    return "; ".join(value_text(lg, v) for v in value) if isinstance(value, list) else value


def _goods_row(g: dict) -> dict:
    """A goods line for reading: the heading and the description in the reader's language, units,
    numbers without float noise."""
    return {
        **g,
        "heading": hs_text(lg, g["hs_code"]),
        "description": goods_text(lg, g["hs_code"], g["description"]),
        "quantity": number_text(lg, g["quantity"]) if g["quantity"] is not None else "—",
        "unit": unit_label(lg, g["unit"]),
        "gross_weight_kg": number_text(lg, g["gross_weight_kg"]) if g["gross_weight_kg"] is not None else "—",
        "value": number_text(lg, float(g["value"])) if g["value"] is not None else "—",
    }


def _step_row(step: dict) -> dict:
    return {
        **step,
        "step_key": step_title(lg, step["step_key"]),
        "outcome": outcome_label(lg, step["outcome"]),
        "values": values_text(lg, step["step_key"], step["values"]),
        "rules_applied": ", ".join(rule_title(lg, str(r)) for r in step["rules_applied"] or []) or "—",
    }


def _finding_row(finding: dict) -> dict:
    return {
        **finding,
        "severity": severity_label(finding["severity"]) if finding["severity"] else "—",
        "step_key": step_title(lg, finding["step_key"]),
        "rule_id": rule_title(lg, finding["rule_id"]) if finding["rule_id"] else "—",
        "description": in_language(finding["description"], lg),
        "citation": in_language(finding["citation"], lg),
    }


def _media_path(item: dict) -> Path | None:
    suffix = MEDIA_SUFFIX.get(item["media_type"])
    if suffix is None or len(item["sha256"]) != 64:
        return None
    return Path(media_dir()) / item["sha256"][:2] / f"{item['sha256']}{suffix}"


# Widget keys; the value each one shows is set from the URL on every run (components.inspections.filters).
F_PORTS = "inspections.f_ports"
F_STATES = "inspections.f_states"
F_OVERDUE = "inspections.f_overdue"
F_DECISION = "inspections.f_decision"
F_ENTERPRISE = "inspections.f_enterprise"
F_CONTAINER = "inspections.f_container"
F_HS = "inspections.f_hs"
F_INSPECTOR = "inspections.f_inspector"
F_FINDING = "inspections.f_finding"
F_DATES = "inspections.f_dates"
F_DATED = "inspections.f_dated"
SORT = "inspections.sort"
DESCENDING = "inspections.desc"
PAGE = "inspections.page"


def _to_url(name: str, key: str, as_param=None) -> None:
    value = st.session_state.get(key)
    set_param(name, as_param(value) if as_param else value)


def _dates_to_url(key: str, dated: str) -> None:
    # Half a range while the second day is being picked: the URL waits for the whole range.
    picked = tuple(st.session_state.get(key) or ())
    if len(picked) == 1:
        return
    set_dates(dated, *(picked or (None, None)))


def _dated_to_url(url: ListFilters) -> None:
    # The same days, now of the date chosen.
    set_dates(st.session_state.get(F_DATED) or url.dated, url.date_from, url.date_to)


def _optional(value) -> str | None:
    return None if value is None else str(value)


def render_filters(url: ListFilters, ports: dict[str, dict]) -> None:
    inspectors = guarded(lambda: load_inspectors(scope)) or []
    inspector_names = {u["id"]: u["display_name"] for u in inspectors}
    if url.inspector_id is not None:
        inspector_names.setdefault(url.inspector_id, f"#{url.inspector_id}")
    decisions = {d.value: tr(f"inspections.decision_{d.value}") for d in CLOSING_DECISIONS}
    state_labels = {s.value: state_label(s.value) for s in InspectionState}
    findings = finding_choices(guarded(lambda: load_finding_rules(scope)) or [], url.finding)
    finding_labels = {None: tr("inspections.any"), ANY_FINDING: tr("inspection_filters.any_finding")} | {
        r: rule_title(lg, r) for r in findings if r and r != ANY_FINDING
    }
    any_label = tr("inspections.any")
    st.session_state[F_PORTS] = [p for p in url.ports if p in ports]
    st.session_state[F_STATES] = list(url.states)
    st.session_state[F_OVERDUE] = url.overdue
    st.session_state[F_DECISION] = url.decision
    st.session_state[F_ENTERPRISE] = url.enterprise
    st.session_state[F_CONTAINER] = url.container
    st.session_state[F_HS] = url.hs
    st.session_state[F_INSPECTOR] = url.inspector_id
    st.session_state[F_FINDING] = url.finding
    st.session_state[F_DATED] = url.dated
    dated_labels = {
        "opened": tr("inspection_filters.dated_opened"),
        "completed": tr("inspection_filters.dated_completed"),
        "decided": tr("inspection_filters.dated_decided"),
        "held": tr("inspection_filters.dated_held"),
        "declared": tr("inspection_filters.dated_declared"),
    }
    range_labels = {
        "opened": tr("inspections.dates"),
        "completed": tr("inspection_filters.completed_between"),
        "decided": tr("inspection_filters.decided_between"),
        "held": tr("inspection_filters.held_between"),
        "declared": tr("inspection_filters.declared_between"),
    }
    with st.expander(tr("inspections.filters"), expanded=True):
        a, b, c, d = st.columns(4)
        a.multiselect(tr("inspections.port"), list(ports), format_func=lambda code: port_label(ports, code),
                      key=F_PORTS, placeholder=any_label, on_change=_to_url, args=("port", F_PORTS))  # fmt: skip
        b.multiselect(tr("inspections.state"), list(state_labels), format_func=state_labels.get, key=F_STATES,
                      placeholder=any_label, on_change=_to_url, args=("state", F_STATES))  # fmt: skip
        # The day range's widget is keyed by the URL's days: a link or the back button shows its range.
        dates_key = f"{F_DATES}.{url.dated}.{url.date_from or ''}.{url.date_to or ''}"
        shown_days = tuple(d for d in (url.date_from, url.date_to) if d is not None) if url.date_from else ()
        c.date_input(range_labels[url.dated], value=shown_days, key=dates_key,
                     on_change=_dates_to_url, args=(dates_key, url.dated))  # fmt: skip
        d.selectbox(tr("inspections.decision"), [None, *decisions],
                    format_func=lambda v: any_label if v is None else decisions[v], key=F_DECISION,
                    on_change=_to_url, args=("decision", F_DECISION))  # fmt: skip
        e, f, g, h = st.columns(4)
        e.text_input(tr("inspections.enterprise"), key=F_ENTERPRISE, on_change=_to_url,
                     args=("enterprise", F_ENTERPRISE))  # fmt: skip
        f.text_input(tr("inspections.container"), key=F_CONTAINER, on_change=_to_url,
                     args=("container", F_CONTAINER))  # fmt: skip
        g.text_input(tr("inspections.hs_chapter"), key=F_HS, max_chars=2, on_change=_to_url, args=("hs", F_HS))
        h.selectbox(tr("inspections.inspector"), [None, *inspector_names],
                    format_func=lambda v: any_label if v is None else inspector_names[v], key=F_INSPECTOR,
                    on_change=_to_url, args=("inspector", F_INSPECTOR, _optional))  # fmt: skip
        i, j, w, k = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
        i.toggle(tr("inspection_filters.overdue"), key=F_OVERDUE, help=tr("inspection_filters.overdue_help"),
                 on_change=_to_url, args=("overdue", F_OVERDUE, lambda on: "1" if on else None))  # fmt: skip
        j.selectbox(tr("inspection_filters.finding"), findings, format_func=finding_labels.get, key=F_FINDING,
                    on_change=_to_url, args=("finding", F_FINDING))  # fmt: skip
        w.selectbox(tr("inspection_filters.dated"), list(dated_labels), format_func=dated_labels.get,
                    key=F_DATED, help=tr("inspection_filters.dated_help"), on_change=_dated_to_url,
                    args=(url,))  # fmt: skip
        # Chips: the enterprise or declaration a link named, each cleared with one click.
        if url.enterprise_id is not None:
            firm = guarded(lambda: load_enterprise(url.enterprise_id))
            name = enterprise_label(lg, firm["name"], firm["name_en"]) if firm else f"#{url.enterprise_id}"
            chip(k, "enterprise_id", tr("inspection_filters.enterprise_chip", name=as_text(name)))
        if url.declaration_id is not None:
            number = guarded(lambda: load_declaration_number(scope, url.declaration_id))
            chip(k, "declaration_id", tr("inspection_filters.declaration_chip", number=as_text(number or "—")))
        if url.tier:
            chip(k, "tier", tr("inspection_filters.tier_chip", name=credit_tier_label(lg, url.tier)))
        if url.origin:
            chip(k, "origin", tr("inspection_filters.origin_chip", name=country_label(lg, url.origin)))
        if url.section:
            key = f"statistics.section_{url.section}"
            name = url.section if tr(key) == key else tr(key)
            chip(k, "section", tr("inspection_filters.section_chip", name=name))


def chip(column, param: str, label: str) -> None:
    if column.button(label, key=f"inspections.f_{param}", icon=":material/close:", help=tr("inspection_filters.clear")):
        set_param(param, None)
        st.rerun()


def port_label(ports: dict[str, dict], code: str) -> str:
    p = ports.get(code) or {}
    name = p.get("name_zh") if lg == "zh_CN" else p.get("name_en")
    return f"{code} · {name}" if name else code


def render_list() -> None:
    st.title(tr("inspections.title"))
    ports = {p["code"]: p for p in load_ports(scope)}
    url = filters_from_url()
    chosen = [ports[p]["id"] for p in url.ports if p in ports]
    # The port filter narrows the reader's scope (never widens it).
    list_scope = scope_key(frozenset(chosen)) if chosen else scope
    render_filters(url, ports)
    flt = filter_of(url)
    st.session_state[SORT] = url.sort
    st.session_state[DESCENDING] = url.descending
    st.session_state[PAGE] = url.page
    s1, s2, s3, s4 = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
    sort_labels = {k: tr(f"inspections.sort_{k}") for k in SORTS}  # computed now: AppTest formats later
    s1.selectbox(tr("inspections.sort"), SORTS, format_func=sort_labels.get, key=SORT, on_change=_to_url,
                 args=("sort", SORT))  # fmt: skip
    s2.toggle(tr("inspections.descending"), key=DESCENDING, on_change=_to_url,
              args=("order", DESCENDING, lambda desc: None if desc else ASCENDING))  # fmt: skip
    s3.number_input(tr("inspections.page"), min_value=1, max_value=MAX_PAGE, step=1, key=PAGE, on_change=_to_url,
                    args=("page", PAGE, lambda n: None if n == 1 else str(n)))  # fmt: skip
    sort, descending, page_no = url.sort, url.descending, url.page
    result = guarded(lambda: load_inspections(list_scope, flt, sort, descending, PAGE_SIZE, (page_no - 1) * PAGE_SIZE))
    if result is None:
        return
    rows, total = result
    s4.caption(tr("inspections.total", total=total, pages=max(1, -(-total // PAGE_SIZE))))
    if rows.empty:
        render_empty("inspections.none")
        return
    shown = localise_times(rows, "declared_at", "created_at", "decided_at")
    shown["state"] = shown["state"].map(state_label)
    shown["decision"] = shown["decision"].map(lambda d: decision_label(lg, d))
    shown["credit_tier"] = shown["credit_tier"].map(lambda c: credit_tier_label(lg, c))
    shown["origin"] = shown["origin"].map(lambda c: country_label(lg, c))
    shown = enterprise_names(shown)
    picked = st.dataframe(
        shown,
        hide_index=True,
        key="inspections.table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "inspection_id": "#",
            "declaration": tr("inspections.declaration"),
            "port": tr("inspections.port"),
            "enterprise": tr("inspections.enterprise"),
            "credit_tier": tr("inspections.credit_tier"),
            "origin": tr("inspections.origin"),
            "state": tr("inspections.state"),
            "decision": tr("inspections.decision"),
            "priority": tr("inspections.priority"),
            "declared_at": tr("inspections.declared_at"),
            "created_at": tr("inspections.created_at"),
            "decided_at": tr("inspections.decided_at"),
        },
    )
    selected = picked.selection.rows if picked and picked.selection else []
    if selected:
        # The record opens in the same URL, so its back button (and the browser's) finds the filters.
        st.query_params["id"] = str(int(rows.iloc[selected[0]]["inspection_id"]))
        st.rerun()
    o1, o2, o3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    with o1.form("inspections.open_form", border=False):
        number = st.number_input(tr("inspections.open_id"), min_value=1, step=1, key="inspections.open_id")
        if st.form_submit_button(tr("inspections.open"), key="inspections.open"):
            st.query_params["id"] = str(int(number))
            st.rerun()
    if not o2.toggle(tr("inspections.prepare_export"), key="inspections.prepare_export"):
        return
    for col, kind, mime in (
        (o2, "csv", "text/csv"),
        (o3, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        data = guarded(lambda kind=kind: load_export(list_scope, flt, sort, descending, kind))
        if data is not None:
            col.download_button(
                tr(f"inspections.export_{kind}"),
                data,
                file_name=f"inspections.{kind}",
                mime=mime,
                key=f"inspections.export_{kind}",
                on_click="ignore",
            )
    o3.download_button(
        tr("report.zip", count=min(total, REPORTS_PER_ZIP)),
        data=listed_reports(actor, list_scope, flt, sort, descending),
        file_name="inspection-reports.zip",
        mime="application/zip",
        key="inspections.report_zip",
        on_click="ignore",
        icon=":material/folder_zip:",
    )
    if total > REPORTS_PER_ZIP:
        o3.caption(tr("report.zip_capped", cap=REPORTS_PER_ZIP, total=total))


wanted = st.query_params.get("id")
if wanted and wanted.isdigit():
    render_record(int(wanted))
else:
    render_list()
