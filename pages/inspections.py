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
    load_export,
    load_inspection_record,
    load_inspections,
    load_inspectors,
    load_ports,
    media_dir,
)
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
SORTS = ("created_at", "declared_at", "port", "state", "declaration", "enterprise", "priority")
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
        st.query_params.clear()
        st.rerun()
    record = guarded(lambda: load_inspection_record(scope, inspection_id))
    if record is None:
        return
    ins, decl, port = record["inspection"], record["declaration"], record["port"]
    port_name = port["name_zh"] if lg == "zh_CN" else port["name_en"]
    st.title(tr("inspections.record_title", id=ins["id"], number=as_text(decl["number"])))
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


def render_list() -> None:
    st.title(tr("inspections.title"))
    ports = load_ports(scope)
    port_names = {None: tr("inspections.any")} | {p["id"]: p["code"] for p in ports}
    inspectors = guarded(lambda: load_inspectors(scope)) or []
    inspector_names = {None: tr("inspections.any")} | {u["id"]: u["display_name"] for u in inspectors}
    decisions = {None: tr("inspections.any")} | {
        d.value: tr(f"inspections.decision_{d.value}") for d in CLOSING_DECISIONS
    }
    with st.expander(tr("inspections.filters"), expanded=True):
        a, b, c, d = st.columns(4)
        port_id = a.selectbox(
            tr("inspections.port"), list(port_names), format_func=port_names.get, key="inspections.f_port"
        )
        state_labels = {s.value: state_label(s.value) for s in InspectionState}
        states = b.multiselect(
            tr("inspections.state"),
            list(state_labels),
            format_func=state_labels.get,
            key="inspections.f_states",
            placeholder=tr("inspections.any"),
        )
        dates = c.date_input(tr("inspections.dates"), value=(), key="inspections.f_dates")
        decision = d.selectbox(
            tr("inspections.decision"), list(decisions), format_func=decisions.get, key="inspections.f_decision"
        )
        e, f, g, h = st.columns(4)
        enterprise = e.text_input(tr("inspections.enterprise"), key="inspections.f_enterprise")
        container = f.text_input(tr("inspections.container"), key="inspections.f_container")
        hs_chapter = g.text_input(tr("inspections.hs_chapter"), key="inspections.f_hs", max_chars=2)
        inspector_id = h.selectbox(
            tr("inspections.inspector"),
            list(inspector_names),
            format_func=inspector_names.get,
            key="inspections.f_inspector",
        )
    dates = tuple(dates) if isinstance(dates, list | tuple) else (dates,)
    flt = filter_of(
        port_id=port_id,
        states=states,
        date_from=dates[0] if dates else None,
        date_to=dates[1] if len(dates) > 1 else (dates[0] if dates else None),
        enterprise=enterprise,
        container=container,
        hs_chapter=hs_chapter,
        inspector_id=inspector_id,
        decision=decision,
    )
    s1, s2, s3, s4 = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
    sort_labels = {k: tr(f"inspections.sort_{k}") for k in SORTS}  # computed now: AppTest formats later
    sort = s1.selectbox(tr("inspections.sort"), SORTS, format_func=sort_labels.get, key="inspections.sort")
    descending = s2.toggle(tr("inspections.descending"), value=True, key="inspections.desc")
    page_no = s3.number_input(tr("inspections.page"), min_value=1, value=1, step=1, key="inspections.page")
    result = guarded(lambda: load_inspections(scope, flt, sort, descending, PAGE_SIZE, (page_no - 1) * PAGE_SIZE))
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
    chosen = picked.selection.rows if picked and picked.selection else []
    if chosen:
        st.query_params["id"] = str(int(rows.iloc[chosen[0]]["inspection_id"]))
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
        data = guarded(lambda kind=kind: load_export(scope, flt, sort, descending, kind))
        if data is not None:
            col.download_button(
                tr(f"inspections.export_{kind}"),
                data,
                file_name=f"inspections.{kind}",
                mime=mime,
                key=f"inspections.export_{kind}",
                on_click="ignore",
            )


wanted = st.query_params.get("id")
if wanted and wanted.isdigit():
    render_record(int(wanted))
else:
    render_list()
