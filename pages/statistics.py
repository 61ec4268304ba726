"""Weekly statistics review: pick an ISO week and a scope; KPI cards, trends, breakdowns, report."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, render_empty
from components.statistics import charts
from components.statistics.data import (
    WeekReview,
    card_text,
    change_text,
    export_week_report,
    kpi_text,
    load_latest_week,
    load_scope_ports,
    load_week_review,
    section_label,
    tier_label,
)
from portsight.domain.stats import KPIS, IsoWeek

actor = require_page("statistics")

# Widget and state keys of this page
WEEK = "statistics.week"
SCOPE = "statistics.scope"
TREND_WEEKS = "statistics.trend_weeks"
PREPARE = "statistics.prepare"
REPORT = "statistics.report"  # session state: the last prepared report and what it was made for
PDF = "statistics.download_pdf"
XLSX = "statistics.download_excel"

scope = scope_key(current_scope())


# ---------------------------------------------------------------- blocks
def render_cards(review: WeekReview) -> None:
    st.subheader(tr("statistics.kpis"))
    language = lang()
    rows = review.kpis.set_index("kpi")
    kinds = {key: (kind, good) for key, kind, good in KPIS}
    for start in range(0, len(KPIS), 5):
        for col, (key, _kind, _good) in zip(st.columns(5), KPIS[start : start + 5], strict=False):
            kind, good = kinds[key]
            row = rows.loc[key]
            delta = change_text(language, kind, row["change_wow"])
            shown, exact = card_text(language, key, row["value"]), kpi_text(language, key, row["value"])
            col.metric(
                tr(f"statistics.kpi_{key}"),
                shown,
                delta=None if delta == "—" else f"{delta} {tr('statistics.vs_previous')}",
                delta_color="off" if good is None else ("normal" if good else "inverse"),
                help=(tr("statistics.card_exact", value=exact) + " " if exact != shown else "")
                + tr("statistics.last_year_value", value=kpi_text(language, key, row["last_year"]))
                + f" ({change_text(language, kind, row['change_yoy'])})",
                border=True,
            )


def chart(title_key: str, text_key: str, figure, key: str) -> None:
    st.markdown(f"**{tr(title_key)}**")
    st.caption(tr(text_key))
    st.plotly_chart(figure, key=key, width="stretch")


def render_charts(review: WeekReview) -> None:
    language = lang()
    name = "name_zh" if language == "zh_CN" else "name_en"
    labels = {
        "declarations": tr("statistics.kpi_declarations"),
        "inspections": tr("statistics.kpi_inspections"),
        "inspection_rate": tr("statistics.kpi_inspection_rate"),
        "detection_rate": tr("statistics.kpi_detection_rate"),
        "inspected": tr("statistics.col_inspected"),
        "not_inspected": tr("statistics.col_declarations"),
        "realised": tr("statistics.realised"),
        "target": tr("statistics.target"),
    }
    st.subheader(tr("statistics.trend"))
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.trend_volume",
            "statistics.trend_volume_text",
            charts.weekly_volume_chart(review.trend, labels, highlight=str(review.week)),
            "statistics.chart_volume",
        )
    with right:
        chart(
            "statistics.trend_rates",
            "statistics.trend_rates_text",
            charts.weekly_rates_chart(review.trend, labels),
            "statistics.chart_rates",
        )
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.by_port",
            "statistics.by_port_text",
            charts.port_chart(review.by_port, name, labels),
            "statistics.chart_ports",
        )
    with right:
        chart(
            "statistics.by_tier",
            "statistics.by_tier_text",
            charts.tier_target_chart(
                review.by_tier, {t: tier_label(language, t, review.week.sunday) for t in review.by_tier["tier"]}, labels
            ),
            "statistics.chart_tiers",
        )
    sections = {s: section_label(language, s) for s in review.by_section["section"]}
    chart(
        "statistics.by_hs",
        "statistics.by_hs_text",
        charts.hs_section_chart(review.by_section, sections, labels),
        "statistics.chart_hs",
    )
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.by_origin",
            "statistics.by_origin_text",
            charts.origin_chart(review.by_origin, name, labels),
            "statistics.chart_origins",
        )
    with right:
        chart(
            "statistics.by_inspector",
            "statistics.by_inspector_text",
            charts.inspector_chart(review.by_inspector, labels),
            "statistics.chart_inspectors",
        )
    weekdays = [tr(f"statistics.weekday_{d}") for d in range(7)]
    chart(
        "statistics.heatmap",
        "statistics.heatmap_text",
        charts.heatmap_chart(review.heat, weekdays, labels),
        "statistics.chart_heatmap",
    )


def render_report(week: str, port_id: int | None) -> None:
    st.subheader(tr("statistics.downloads"))
    wanted = (week, port_id, lang())
    if st.button(tr("statistics.prepare"), key=PREPARE, icon=":material/description:"):
        bar = st.progress(0.0, text=tr("statistics.preparing"))

        def progress(fraction: float, key: str) -> None:
            bar.progress(min(1.0, fraction), text=tr(key))

        report = guarded(lambda: export_week_report(actor, week, port_id=port_id, lang=lang(), progress=progress))
        if report is not None:
            st.session_state[REPORT] = (wanted, report)
    prepared = st.session_state.get(REPORT)
    if prepared is not None and prepared[0] == wanted:
        report = prepared[1]
        st.success(tr("statistics.ready"), icon=":material/check_circle:")
        left, right = st.columns(2)
        left.download_button(
            tr("statistics.download_pdf"),
            report.pdf,
            file_name=report.pdf_name,
            mime="application/pdf",
            key=PDF,
            icon=":material/picture_as_pdf:",
        )
        right.download_button(
            tr("statistics.download_excel"),
            report.xlsx,
            file_name=report.xlsx_name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=XLSX,
            icon=":material/table_view:",
        )


# ---------------------------------------------------------------- page
st.title(tr("statistics.title"))
st.caption(tr("statistics.intro"))

ports = guarded(lambda: load_scope_ports(scope)) or []
latest = guarded(lambda: load_latest_week(scope))
if scope == () or not ports or latest is None:
    render_empty("statistics.no_data")
    st.stop()

# Weeks to choose from: the last two years up to the latest week with data, newest first.
newest = IsoWeek.parse(latest)
this_week = IsoWeek.of(datetime.now(UTC).date())
newest = min(newest, this_week)
weeks = [str(newest.shift(-i)) for i in range(104)]
default_week = weeks[1] if newest == this_week and len(weeks) > 1 else weeks[0]  # last complete week

controls = st.columns([2, 3, 2])
week = controls[0].selectbox(
    tr("statistics.week"), weeks, index=weeks.index(default_week), key=WEEK, help=tr("statistics.week_help")
)
# Labels as options (no format_func): the choice survives a language switch by falling back to "all".
choices = {tr("statistics.scope_all", count=len(ports)): None}
choices.update({f"{p.name_zh if lang() == 'zh_CN' else p.name_en} ({p.code})": p.id for p in ports})
chosen = controls[1].selectbox(tr("statistics.scope"), list(choices), key=SCOPE)
trend_weeks = controls[2].radio(tr("statistics.trend_weeks"), [12, 52], horizontal=True, key=TREND_WEEKS)

port_id = choices.get(chosen)
review_scope = scope if port_id is None else (port_id,)
review = guarded(lambda: load_week_review(review_scope, week, trend_weeks))
if review is not None:
    iso = IsoWeek.parse(week)
    st.markdown(
        f"### {tr('statistics.week_label', week=week, start=iso.monday.isoformat(), end=iso.sunday.isoformat())}"
    )
    render_cards(review)
    render_charts(review)
    render_report(week, port_id)
