"""Administration (administrators): enterprises' credit tiers with the day each change applies from,
and the ports PortSight serves.

Credit: find an enterprise by name or USCC (/administration?enterprise=<id> opens one), see its
credit timeline and the audit of its changes, record a change (tier, from which day, why), or
import a file of changes. Ports: the list, add one, change one (not its code), delete one that has
no data yet.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.administration.data import (
    PORT_KINDS,
    STORED_CODES,
    CreditImportResult,
    UnreadableFile,
    add_port,
    audit_sentence,
    change_port,
    china_today,
    enterprise_url,
    entry_reason,
    import_credit_file,
    load_credit_audit,
    load_enterprise,
    load_enterprises,
    load_port_rows,
    load_timeline,
    record_change,
    remove_port,
    timeline_state,
    timezones,
)
from components.shell.formatting import as_text, credit_tier_label, enterprise_label
from components.shell.state import lang, require_page, tr
from components.shell.widgets import flash, fmt_time, guarded, render_empty, show_error, show_flash, upload_limit_mb
from portsight.i18n import fmt_date

actor = require_page("administration")

# Widget keys of this page
FLASH = "administration.flash"
SEARCH = "administration.search"
PICK = "administration.enterprise"
CHANGE_FORM = "administration.change_form"
TIER = "administration.tier"
VALID_FROM = "administration.valid_from"
REASON = "administration.reason"
RECORD = "administration.record"
UPLOAD = "administration.upload"
IMPORT = "administration.import"
IMPORT_RESULT = "administration.import_result"
TIMELINE = "administration.timeline"
PORTS_TABLE = "administration.ports"
NEW_PORT_FORM = "administration.new_port_form"
PORT_PICK = "administration.port"
DELETE_PORT = "administration.delete_port"

ENTERPRISE_PARAM = "enterprise"  # ?enterprise=<id>: that enterprise's credit form
LANG = lang()

# Labels computed in the run: a format_func is also called outside it (AppTest), without the language.
tier_labels = {code: tr(f"selection.tier_{code}") for code in STORED_CODES}
kind_labels = {kind: tr(f"administration.kind_{kind}") for kind in PORT_KINDS}


def enterprise_from_url() -> int | None:
    raw = st.query_params.get(ENTERPRISE_PARAM)
    return int(raw) if raw and raw.isdigit() and len(raw) <= 18 else None


def _picked_to_url() -> None:
    picked = st.session_state.get(PICK)
    if picked is None:
        st.query_params.pop(ENTERPRISE_PARAM, None)
    else:
        st.query_params[ENTERPRISE_PARAM] = str(picked)


# ---------------------------------------------------------------- credit tiers
def pick_enterprise() -> dict | None:
    text = st.text_input(tr("administration.search"), key=SEARCH, max_chars=100, help=tr("administration.search_help"))
    cards = {e["id"]: e for e in load_enterprises(text)}
    wanted = enterprise_from_url()
    if wanted is not None and wanted not in cards:
        card = load_enterprise(wanted)
        if card is None:
            st.warning(tr("administration.enterprise_unknown", id=wanted))
        else:
            cards = {wanted: card, **cards}
    labels = {eid: f"{enterprise_label(LANG, e['name'], e['name_en'])} · {e['uscc']}" for eid, e in cards.items()}
    options = list(cards)
    picked = st.selectbox(
        tr("administration.enterprise"),
        options,
        index=options.index(wanted) if wanted in cards else None,
        format_func=labels.get,
        placeholder=tr("administration.enterprise_placeholder"),
        key=PICK,
        on_change=_picked_to_url,
    )
    if not options:
        render_empty("administration.no_enterprises")
    return None if picked is None else cards[picked]


def render_card(enterprise: dict) -> None:
    name = enterprise_label(LANG, enterprise["name"], enterprise["name_en"])
    st.markdown(
        f"**{as_text(name)}** · {tr('administration.uscc')} {as_text(enterprise['uscc'])} · "
        f"[{tr('administration.open_enterprise')}]({enterprise_url(enterprise['id'])})"
    )
    st.markdown(tr("administration.tier_today", tier=as_text(credit_tier_label(LANG, enterprise["credit_tier"]))))


def render_timeline(enterprise_id: int) -> None:
    st.markdown(f"**{tr('administration.timeline')}**")
    timeline = load_timeline(enterprise_id)
    if not timeline:
        render_empty("administration.no_changes")
        return
    states = timeline_state(timeline, china_today())
    shown = pd.DataFrame(
        {
            "valid_from": [fmt_date(LANG, r["valid_from"]) for r in timeline],
            "tier": [credit_tier_label(LANG, r["credit_tier"], r["valid_from"]) for r in timeline],
            "state": [tr(f"administration.state_{s}") for s in states],
            "reason": [r["reason"] or "" for r in timeline],
            "recorded_at": [fmt_time(r["recorded_at"]) if r["recorded_at"] else "" for r in timeline],
            "recorded_by": [r["recorded_by"] or "" for r in timeline],
            "source": [tr(f"administration.source_{r['source'] or 'unknown'}") for r in timeline],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        key=TIMELINE,
        column_config={
            "valid_from": tr("administration.col_valid_from"),
            "tier": tr("administration.col_tier"),
            "state": tr("administration.col_state"),
            "reason": tr("administration.col_reason"),
            "recorded_at": tr("administration.col_recorded_at"),
            "recorded_by": tr("administration.col_recorded_by"),
            "source": tr("administration.col_source"),
        },
    )


def render_change_form(enterprise_id: int) -> None:
    st.markdown(f"**{tr('administration.record_change')}**")
    with st.form(CHANGE_FORM, clear_on_submit=True):
        left, right = st.columns(2)
        tier = left.selectbox(
            tr("administration.field_tier"), list(STORED_CODES), format_func=tier_labels.get, key=TIER
        )
        valid_from = right.date_input(
            tr("administration.field_valid_from"), value=china_today(), key=VALID_FROM, format="YYYY-MM-DD"
        )
        reason = st.text_input(tr("administration.field_reason"), max_chars=200, key=REASON)
        st.caption(tr("administration.change_note"))
        submitted = st.form_submit_button(tr("administration.record_button"), type="primary", key=RECORD)
    if submitted:
        if not reason.strip():
            st.warning(tr("administration.reason_missing"))
            return
        done = guarded(lambda: record_change(actor, enterprise_id, tier=tier, valid_from=valid_from, reason=reason))
        if done is not None:
            flash(FLASH, tr("administration.change_recorded", tier=tier_labels[tier], day=fmt_date(LANG, valid_from)))


def render_audit(enterprise_id: int) -> None:
    entries = load_credit_audit(enterprise_id)
    if not entries:
        return
    st.markdown(f"**{tr('administration.audit')}**")
    for entry in entries:
        after = entry["after"] or {}
        tier = credit_tier_label(LANG, after.get("credit_tier"))
        if entry["action"] == "credit_change":
            day = fmt_date(LANG, date.fromisoformat(after["valid_from"]))
            detail = tr("administration.audit_detail", tier=tier, day=day, reason=after.get("reason") or "")
        else:
            detail = tr("administration.audit_applied", tier=tier)
        st.markdown(f"{fmt_time(entry['at'])} · {as_text(audit_sentence(LANG, entry))} · {as_text(detail)}")


def render_import() -> None:
    with st.expander(tr("administration.import_title")):
        st.caption(tr("administration.import_help"))
        upload = st.file_uploader(
            tr("administration.import_file"),
            type=["csv", "txt", "xlsx", "json"],
            key=UPLOAD,
            help=tr("administration.import_limit", mb=upload_limit_mb()),
        )
        if st.button(tr("administration.import_button"), key=IMPORT, disabled=upload is None) and upload is not None:
            try:
                st.session_state[IMPORT_RESULT] = import_credit_file(actor, upload.name, upload.getvalue())
            except UnreadableFile as exc:
                show_error(exc)
        result = st.session_state.get(IMPORT_RESULT)
        if isinstance(result, CreditImportResult):
            render_import_result(result)


def render_import_result(result: CreditImportResult) -> None:
    counts = {s: result.count(s) for s in ("accepted", "unchanged", "rejected")}
    if counts["rejected"]:
        st.error(tr("administration.import_refused", n=counts["rejected"]))
    else:
        st.success(tr("administration.import_done", accepted=counts["accepted"], unchanged=counts["unchanged"]))
    shown = pd.DataFrame(
        {
            "row": [e.row for e in result.entries],
            "uscc": [e.uscc for e in result.entries],
            "status": [tr(f"administration.status_{e.status}") for e in result.entries],
            "column": [e.column for e in result.entries],
            "reason": [entry_reason(LANG, e) for e in result.entries],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "row": tr("administration.col_row"),
            "uscc": tr("administration.uscc"),
            "status": tr("administration.col_status"),
            "column": tr("administration.col_column"),
            "reason": tr("administration.col_why"),
        },
    )


def render_credit() -> None:
    st.subheader(tr("administration.credit_title"))
    st.caption(tr("administration.credit_intro"))
    enterprise = pick_enterprise()
    if enterprise is not None:
        render_card(enterprise)
        render_timeline(enterprise["id"])
        render_change_form(enterprise["id"])
        render_audit(enterprise["id"])
    render_import()


# ---------------------------------------------------------------- ports
def port_name(port: dict) -> str:
    return port["name_zh"] if LANG == "zh_CN" else port["name_en"]


def render_port_table(ports: list[dict]) -> None:
    shown = pd.DataFrame(
        {
            "code": [p["code"] for p in ports],
            "name": [port_name(p) for p in ports],
            "kind": [kind_labels.get(p["kind"], p["kind"]) for p in ports],
            "lat": [p["lat"] for p in ports],
            "lon": [p["lon"] for p in ports],
            "timezone": [p["timezone"] for p in ports],
            "data": [tr("administration.yes") if p["has_declarations"] else "" for p in ports],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        key=PORTS_TABLE,
        column_config={
            "code": tr("administration.col_code"),
            "name": tr("administration.col_name"),
            "kind": tr("administration.col_kind"),
            "lat": st.column_config.NumberColumn(tr("administration.col_lat"), format="%.4f"),
            "lon": st.column_config.NumberColumn(tr("administration.col_lon"), format="%.4f"),
            "timezone": tr("administration.col_timezone"),
            "data": tr("administration.col_has_data"),
        },
    )


def port_fields(prefix: str, port: dict | None) -> dict:
    """The editable fields of a port as widgets inside a form (values of `port`, else empty)."""
    left, right = st.columns(2)
    name_zh = left.text_input(
        tr("administration.field_name_zh"), value=port["name_zh"] if port else "", max_chars=120, key=f"{prefix}.zh"
    )
    name_en = right.text_input(
        tr("administration.field_name_en"), value=port["name_en"] if port else "", max_chars=120, key=f"{prefix}.en"
    )
    left, middle, right = st.columns(3)
    kinds = list(PORT_KINDS)
    kind = left.selectbox(
        tr("administration.field_kind"),
        kinds,
        index=kinds.index(port["kind"]) if port and port["kind"] in kinds else 0,
        format_func=kind_labels.get,
        key=f"{prefix}.kind",
    )
    lat = middle.number_input(
        tr("administration.field_lat"), value=port["lat"] if port else None, format="%.4f", key=f"{prefix}.lat"
    )
    lon = right.number_input(
        tr("administration.field_lon"), value=port["lon"] if port else None, format="%.4f", key=f"{prefix}.lon"
    )
    zones = timezones()
    zone = port["timezone"] if port and port["timezone"] in zones else "Asia/Shanghai"
    timezone = st.selectbox(
        tr("administration.field_timezone"), zones, index=zones.index(zone), key=f"{prefix}.timezone"
    )
    return {"name_zh": name_zh, "name_en": name_en, "kind": kind, "lat": lat, "lon": lon, "timezone": timezone}


def render_new_port() -> None:
    st.markdown(f"**{tr('administration.new_port')}**")
    with st.form(NEW_PORT_FORM, clear_on_submit=True):
        code = st.text_input(
            tr("administration.field_code"),
            max_chars=5,
            key="administration.new.code",
            help=tr("administration.code_help"),
        )
        fields = port_fields("administration.new", None)
        submitted = st.form_submit_button(tr("administration.add_port_button"), type="primary")
    if submitted and guarded(lambda: add_port(actor, code=code, **fields)) is not None:
        flash(FLASH, tr("administration.port_added", code=as_text(code.strip().upper())))


def render_edit_port(ports: list[dict]) -> None:
    st.markdown(f"**{tr('administration.edit_port')}**")
    by_id = {p["id"]: p for p in ports}
    picked = st.selectbox(
        tr("administration.field_port"),
        list(by_id),
        index=None,
        format_func=lambda pid: f"{by_id[pid]['code']} {port_name(by_id[pid])}",
        placeholder=tr("administration.port_placeholder"),
        key=PORT_PICK,
    )
    if picked is None:
        return
    port = by_id[picked]
    prefix = f"administration.edit.{port['id']}"
    with st.form(f"{prefix}.form"):
        fields = port_fields(prefix, port)
        submitted = st.form_submit_button(tr("administration.save_port_button"))
    if submitted:
        changed = guarded(lambda: change_port(actor, port["id"], **fields))
        if changed is not None:
            flash(FLASH, tr("administration.port_saved" if changed else "administration.port_unchanged",
                            code=port["code"]))  # fmt: skip
    if st.button(
        tr("administration.delete_port_button"),
        key=DELETE_PORT,
        disabled=bool(port["has_declarations"]),
        help=tr("administration.delete_port_help"),
    ):
        if guarded(lambda: remove_port(actor, port["id"]) or True):
            flash(FLASH, tr("administration.port_deleted", code=port["code"]))


def render_ports() -> None:
    st.subheader(tr("administration.ports_title"))
    st.caption(tr("administration.ports_intro"))
    ports = load_port_rows()
    if ports:
        render_port_table(ports)
        render_edit_port(ports)
    else:
        render_empty("administration.no_ports")
    render_new_port()


st.title(tr("administration.title"))
show_flash(FLASH)
credit_tab, ports_tab = st.tabs([tr("administration.tab_credit"), tr("administration.tab_ports")])
with credit_tab:
    guarded(render_credit)
with ports_tab:
    guarded(render_ports)
