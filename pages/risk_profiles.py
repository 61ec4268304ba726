"""Risk profiles (布控): the profiles in the user's ports with their hits; administrators create a
profile, move its expiry or deactivate it (each audited). Supervisors read."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.risk_profiles.data import (
    change_expiry,
    create_profile,
    deactivate_profile,
    load_ports,
    load_profile_hits,
    load_risk_profiles,
)
from components.shell.formatting import country_label
from components.shell.names import enterprise_name
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import flash, guarded, localise_times, render_empty, show_flash
from portsight.clock import LOCAL_TZ, utcnow
from portsight.domain.access import Role
from portsight.domain.risk_profiles import FORCE, NAME_LIMIT, RAISE, REASON_LIMIT
from portsight.i18n import fmt_date, fmt_number, fmt_percent

actor = require_page("risk_profiles")

# Widget keys of this page
FLASH = "risk_profiles.flash"  # a success message shown after the rerun that follows a write
TABLE = "risk_profiles.table"
CREATE_FORM = "risk_profiles.create_form"
NAME = "risk_profiles.name"
REASON = "risk_profiles.reason"
ACTION = "risk_profiles.action"
RATE = "risk_profiles.rate"
PORT = "risk_profiles.port"
ENTERPRISE = "risk_profiles.enterprise"
HS_PREFIX = "risk_profiles.hs_prefix"
ORIGIN = "risk_profiles.origin"
MIN_VALUE = "risk_profiles.min_value"
MAX_VALUE = "risk_profiles.max_value"
CURRENCY = "risk_profiles.currency"
STARTS = "risk_profiles.starts"
EXPIRES = "risk_profiles.expires"
CREATE = "risk_profiles.create"
PICK = "risk_profiles.pick"
NEW_EXPIRY = "risk_profiles.new_expiry"
CHANGE_EXPIRY = "risk_profiles.change_expiry"
DEACTIVATE = "risk_profiles.deactivate"
HITS_PICK = "risk_profiles.hits_pick"
HITS_TABLE = "risk_profiles.hits_table"

zone = ZoneInfo(LOCAL_TZ)
scope = scope_key(current_scope())
is_admin = actor.role == Role.ADMIN
today = utcnow().astimezone(zone).date()


# ---------------------------------------------------------------- labels
def action_text(row: pd.Series) -> str:
    if row["action"] == RAISE:
        return tr("risk_profiles.action_raise", rate=fmt_percent(lang(), row["rate"], 0))
    return tr("risk_profiles.action_force")


def amount(value: float) -> str:
    return fmt_number(lang(), value, 0 if float(value).is_integer() else 2)


def scope_text(row: pd.Series) -> str:
    parts = [tr("risk_profiles.scope_port", port=row["port"]) if row["port"] else tr("risk_profiles.every_port")]
    if row["enterprise"]:
        parts.append(
            tr("risk_profiles.scope_enterprise", name=enterprise_name(row["enterprise"]), uscc=row["enterprise_uscc"])
        )
    if row["hs_prefix"]:
        parts.append(tr("risk_profiles.scope_hs", prefix=row["hs_prefix"]))
    if row["origin_country"]:
        parts.append(tr("risk_profiles.scope_origin", country=country_label(lang(), row["origin_country"])))
    low, high, currency = row["min_value"], row["max_value"], row["currency"]
    if low is not None and high is not None:
        parts.append(tr("risk_profiles.scope_value_between", low=amount(low), high=amount(high), currency=currency))
    elif low is not None:
        parts.append(tr("risk_profiles.scope_value_from", low=amount(low), currency=currency))
    elif high is not None:
        parts.append(tr("risk_profiles.scope_value_to", high=amount(high), currency=currency))
    return "; ".join(parts)


def status_label(status: str) -> str:
    return tr(f"risk_profiles.status_{status}")


def last_day(expires_at: pd.Timestamp):
    """The local day a profile's expiry instant ends (it is in force all of that day)."""
    return (expires_at.to_pydatetime().astimezone(zone) - timedelta(microseconds=1)).date()


def profile_label(row: pd.Series) -> str:
    return f"{row['profile_id']} · {row['name']} · {status_label(row['status'])}"


# ---------------------------------------------------------------- sections
def render_profiles(profiles: pd.DataFrame) -> None:
    st.subheader(tr("risk_profiles.profiles"))
    if profiles.empty:
        render_empty("risk_profiles.no_profiles")
        return
    shown = pd.DataFrame(
        {
            "profile_id": profiles["profile_id"],
            "name": profiles["name"],
            "action": profiles.apply(action_text, axis=1),
            "scope": profiles.apply(scope_text, axis=1),
            "status": profiles["status"].map(status_label),
            "hits": profiles["hits"],
            "fired": profiles["fired"],
            "starts": profiles["starts_at"].map(lambda v: fmt_date(lang(), v.to_pydatetime().astimezone(zone).date())),
            "expires": profiles["expires_at"].map(lambda v: fmt_date(lang(), last_day(v))),
            "reason": profiles["reason"],
            "author": profiles["author"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        key=TABLE,
        column_config={
            "profile_id": tr("risk_profiles.col_id"),
            "name": tr("risk_profiles.col_name"),
            "action": tr("risk_profiles.col_action"),
            "scope": tr("risk_profiles.col_scope"),
            "status": tr("risk_profiles.col_status"),
            "hits": tr("risk_profiles.col_hits"),
            "fired": tr("risk_profiles.col_fired"),
            "starts": tr("risk_profiles.col_starts"),
            "expires": tr("risk_profiles.col_expires"),
            "reason": tr("risk_profiles.col_reason"),
            "author": tr("risk_profiles.col_author"),
        },
    )


def render_create() -> None:
    st.subheader(tr("risk_profiles.create"))
    ports = load_ports(scope_key(actor.port_ids))
    port_labels: dict[int | None, str] = {} if actor.port_ids is not None else {None: tr("risk_profiles.every_port")}
    port_labels |= {p["id"]: f"{p['code']} {p['name_zh'] if lang() == 'zh_CN' else p['name_en']}" for p in ports}
    action_labels = {FORCE: tr("risk_profiles.option_force"), RAISE: tr("risk_profiles.option_raise")}
    with st.form(CREATE_FORM):
        name = st.text_input(tr("risk_profiles.field_name"), max_chars=NAME_LIMIT, key=NAME)
        reason = st.text_area(tr("risk_profiles.field_reason"), max_chars=REASON_LIMIT, key=REASON)
        left, right = st.columns(2)
        action = left.radio(tr("risk_profiles.field_action"), list(action_labels), format_func=action_labels.get,
                            key=ACTION, horizontal=True)  # fmt: skip
        rate = right.number_input(tr("risk_profiles.field_rate"), min_value=1, max_value=99, value=30, key=RATE)
        st.caption(tr("risk_profiles.scope_note"))
        left, right = st.columns(2)
        port_id = left.selectbox(tr("risk_profiles.field_port"), list(port_labels), format_func=port_labels.get,
                                 key=PORT)  # fmt: skip
        uscc = right.text_input(tr("risk_profiles.field_enterprise"), max_chars=24, key=ENTERPRISE)
        left, right = st.columns(2)
        hs_prefix = left.text_input(tr("risk_profiles.field_hs"), max_chars=16, key=HS_PREFIX)
        origin = right.text_input(tr("risk_profiles.field_origin"), max_chars=4, key=ORIGIN)
        low_col, high_col, currency_col = st.columns([2, 2, 1])
        low = low_col.number_input(tr("risk_profiles.field_min_value"), min_value=0.0, value=None, key=MIN_VALUE)
        high = high_col.number_input(tr("risk_profiles.field_max_value"), min_value=0.0, value=None, key=MAX_VALUE)
        currency = currency_col.text_input(tr("risk_profiles.field_currency"), value="USD", max_chars=3, key=CURRENCY)
        left, right = st.columns(2)
        starts_on = left.date_input(tr("risk_profiles.field_starts"), value=today, key=STARTS)
        expires_on = right.date_input(tr("risk_profiles.field_expires"), value=today + timedelta(days=30), key=EXPIRES)
        if st.form_submit_button(tr("risk_profiles.create_button"), type="primary", key=CREATE):
            created = guarded(
                lambda: create_profile(
                    actor,
                    name=name,
                    reason=reason,
                    action=action,
                    rate_pct=rate if action == RAISE else None,
                    port_id=port_id,
                    enterprise_uscc=uscc,
                    hs_prefix=hs_prefix,
                    origin_country=origin,
                    min_value=low,
                    max_value=high,
                    currency=currency,
                    starts_on=starts_on,
                    expires_on=expires_on,
                )
            )
            if created is not None:
                flash(FLASH, tr("risk_profiles.created", id=created))


def render_manage(profiles: pd.DataFrame) -> None:
    st.subheader(tr("risk_profiles.manage"))
    changeable = profiles[profiles["status"] != "deactivated"] if not profiles.empty else profiles
    if changeable.empty:
        render_empty("risk_profiles.no_changeable")
        return
    rows = {int(r["profile_id"]): r for _, r in changeable.iterrows()}
    labels = {pid: profile_label(r) for pid, r in rows.items()}
    profile_id = st.selectbox(tr("risk_profiles.field_profile"), list(labels), format_func=labels.get, key=PICK)
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    new_expiry = left.date_input(tr("risk_profiles.field_new_expiry"), value=last_day(rows[profile_id]["expires_at"]),
                                 key=NEW_EXPIRY)  # fmt: skip
    if middle.button(tr("risk_profiles.change_expiry_button"), key=CHANGE_EXPIRY):
        if guarded(lambda: change_expiry(actor, profile_id, new_expiry) or True):
            flash(FLASH, tr("risk_profiles.expiry_changed", id=profile_id, date=fmt_date(lang(), new_expiry)))
    if right.button(tr("risk_profiles.deactivate_button"), key=DEACTIVATE):
        if guarded(lambda: deactivate_profile(actor, profile_id) or True):
            flash(FLASH, tr("risk_profiles.deactivated", id=profile_id))


def render_hits(profiles: pd.DataFrame) -> None:
    st.subheader(tr("risk_profiles.hits"))
    st.caption(tr("risk_profiles.hits_caption"))
    labels = {int(r["profile_id"]): profile_label(r) for _, r in profiles.iterrows()}
    profile_id = st.selectbox(tr("risk_profiles.field_profile"), list(labels), format_func=labels.get, key=HITS_PICK)
    hits = load_profile_hits(profile_id, scope)
    if hits.empty:
        render_empty("risk_profiles.no_hits")
        return
    shown = localise_times(hits, "drawn_at")
    shown["outcome"] = shown["outcome"].map(lambda o: tr(f"selection.outcome_{o}"))
    st.dataframe(
        shown,
        hide_index=True,
        key=HITS_TABLE,
        column_config={
            "declaration": tr("risk_profiles.col_declaration"),
            "port": tr("risk_profiles.col_port"),
            "drawn_at": tr("risk_profiles.col_drawn_at"),
            "fired": tr("risk_profiles.col_fired_hit"),
            "outcome": tr("risk_profiles.col_outcome"),
        },
    )


st.title(tr("risk_profiles.title"))
st.caption(tr("risk_profiles.intro"))
show_flash(FLASH)
profiles = guarded(lambda: load_risk_profiles(scope))
if profiles is not None:
    render_profiles(profiles)
    if is_admin:
        guarded(lambda: render_create())
        guarded(lambda: render_manage(profiles))
    else:
        st.info(tr("risk_profiles.read_only"), icon=":material/visibility:")
    if not profiles.empty:
        render_hits(profiles)
