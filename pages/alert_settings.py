"""Alert thresholds (预警阈值): the values the alert checks run with, their history, a change with
its effective date and reason (audited), and a preview of its effect on last week's alerts.
Administrators only."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.alert_settings.data import (
    PARAMETERS,
    PREVIEWABLE,
    ParameterSpec,
    default_values,
    load_history,
    load_in_force,
    preview,
    set_parameter,
)
from components.shell.state import lang, require_page, tr
from components.shell.widgets import flash, fmt_time, guarded, localise_times, show_flash
from portsight.clock import LOCAL_TZ, utcnow
from portsight.i18n import fmt_date, fmt_number

actor = require_page("alert_settings")

# Widget keys of this page
FLASH = "alert_settings.flash"
TABLE = "alert_settings.table"
PICK = "alert_settings.pick"
HISTORY = "alert_settings.history"
FORM = "alert_settings.form"
VALUE = "alert_settings.value"
WHEN = "alert_settings.when"
DAY = "alert_settings.day"
REASON = "alert_settings.reason"
SAVE = "alert_settings.save"
PREVIEW = "alert_settings.preview"

NOW, LATER = "now", "later"
today = utcnow().astimezone(ZoneInfo(LOCAL_TZ)).date()


def unit(spec: ParameterSpec) -> str:
    return tr(f"alert_settings.unit_{spec.unit}")


def number(value: int) -> str:
    return fmt_number(lang(), value)


def render_in_force(values: dict[str, int], history: pd.DataFrame) -> None:
    st.subheader(tr("alert_settings.in_force_heading"))
    now = utcnow()
    planned = history[history["effective_from"] > now]
    defaults = default_values()
    rows = []
    for spec in PARAMETERS:
        later = planned[planned["name"] == spec.name].sort_values("effective_from")
        rows.append(
            {
                "parameter": tr(spec.title_key),
                "value": f"{number(values[spec.name])} {unit(spec)}",
                "default": number(defaults[spec.name]),
                "bounds": tr("alert_settings.bounds", minimum=number(spec.minimum), maximum=number(spec.maximum),
                             unit=unit(spec)),
                "next": tr("alert_settings.planned", value=number(int(later.iloc[0]["value"])),
                           when=fmt_time(later.iloc[0]["effective_from"])) if len(later) else "",
            }
        )  # fmt: skip
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key=TABLE,
        column_config={
            "parameter": tr("alert_settings.col_parameter"),
            "value": tr("alert_settings.col_value"),
            "default": tr("alert_settings.col_default"),
            "bounds": tr("alert_settings.col_bounds"),
            "next": tr("alert_settings.col_next"),
        },
    )


def render_history(spec: ParameterSpec, history: pd.DataFrame) -> None:
    st.markdown(f"**{tr('alert_settings.history_heading', name=tr(spec.title_key))}**")
    mine = history[history["name"] == spec.name].drop(columns=["name"])
    if mine.empty:
        st.caption(tr("alert_settings.no_history"))
        return
    st.dataframe(
        localise_times(mine, "effective_from", "changed_at"),
        hide_index=True,
        key=HISTORY,
        column_config={
            "value": tr("alert_settings.col_value"),
            "effective_from": tr("alert_settings.col_effective_from"),
            "changed_at": tr("alert_settings.col_changed_at"),
            "changed_by": tr("alert_settings.col_changed_by"),
            "reason": tr("alert_settings.col_reason"),
        },
    )


def render_change(spec: ParameterSpec, current: int) -> None:
    st.subheader(tr("alert_settings.change_heading"))
    st.caption(tr(spec.help_key))
    value = st.number_input(
        tr("alert_settings.value", unit=unit(spec)),
        min_value=spec.minimum,
        max_value=spec.maximum,
        value=current,
        step=1,
        key=f"{VALUE}.{spec.name}",
    )
    moments = {w: tr(f"alert_settings.effective_{w}") for w in (NOW, LATER)}
    when = st.radio(
        tr("alert_settings.effective"),
        list(moments),
        format_func=moments.get,
        horizontal=True,
        key=WHEN,
    )
    day = (
        st.date_input(tr("alert_settings.effective_date"), value=today + timedelta(days=1), min_value=today, key=DAY)
        if when == LATER
        else None
    )
    reason = st.text_area(tr("alert_settings.reason"), key=REASON)
    if st.button(tr("alert_settings.save"), type="primary", key=SAVE):
        effective = guarded(lambda: set_parameter(actor, spec.name, int(value), reason, day))
        if effective is not None:
            shown = fmt_date(lang(), day) if day is not None else fmt_time(effective)
            flash(FLASH, tr("alert_settings.saved", name=tr(spec.title_key), value=number(int(value)), when=shown))
    st.markdown(f"**{tr('alert_settings.preview_heading')}**")
    if spec.name not in PREVIEWABLE:
        st.caption(tr("alert_settings.no_preview"))
    elif st.button(tr("alert_settings.preview_button"), key=PREVIEW):
        result = guarded(lambda: preview(actor, spec.name, int(value)))
        if result is not None:
            st.info(
                tr(
                    "alert_settings.preview_result",
                    current=f"{number(result.current)} {unit(spec)}",
                    current_alerts=number(result.current_alerts),
                    proposed=f"{number(result.proposed)} {unit(spec)}",
                    proposed_alerts=number(result.proposed_alerts),
                ),
                icon=":material/preview:",
            )


st.title(tr("alert_settings.title"))
st.caption(tr("alert_settings.intro"))
show_flash(FLASH)
in_force = guarded(lambda: load_in_force(actor))
history = guarded(lambda: load_history(actor))
if in_force is not None and history is not None:
    render_in_force(in_force, history)
    specs = {spec.name: spec for spec in PARAMETERS}
    titles = {name: tr(spec.title_key) for name, spec in specs.items()}
    name = st.selectbox(tr("alert_settings.pick"), list(specs), format_func=titles.get, key=PICK)
    render_history(specs[name], history)
    render_change(specs[name], in_force[name])
