"""Weekly statistics review: pick an ISO week and a scope; KPI cards, trends, breakdowns, the
enterprises to review, report.

Every figure opens what is behind it: the cards' links and a click on a week, a port, an
inspector, a credit tier, an origin or an HS section in the charts open the inspections list
behind it (components/statistics/drill.py); a row of the enterprises opens the enterprise's page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pandas as pd
import streamlit as st

from components.shell.formatting import enterprise_label
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import guarded, render_empty
from components.statistics import charts, drill
from components.statistics.data import (
    WeekReview,
    card_text,
    change_text,
    export_week_report,
    kpi_text,
    load_enterprise_ranking,
    load_latest_week,
    load_ocr_accuracy,
    load_scope_ports,
    load_week_review,
    section_label,
    tier_label,
)
from portsight.domain.stats import KPIS, IsoWeek
from portsight.i18n import fmt_number, fmt_percent

actor = require_page("statistics")

# Widget and state keys of this page
WEEK = "statistics.week"
SCOPE = "statistics.scope"
TREND_WEEKS = "statistics.trend_weeks"
PREPARE = "statistics.prepare"
REPORT = "statistics.report"  # session state: the last prepared report and what it was made for
PDF = "statistics.download_pdf"
XLSX = "statistics.download_excel"
ENTERPRISES = "statistics.enterprises"
GO = "statistics.go"  # the list a chart mark or a row asked for, opened by the next run

go = st.session_state.pop(GO, None)
if go:
    page, params = drill.page_and_params(go)
    st.switch_page(page, query_params=params)

scope = scope_key(current_scope())


# ---------------------------------------------------------------- blocks
def open_url(url: str) -> None:
    st.session_state[GO] = url


def link_row(links: dict[str, str]) -> None:
    """Page links (label key -> contract URL) side by side."""
    with st.container(horizontal=True):
        for label_key, url in links.items():
            page, params = drill.page_and_params(url)
            st.page_link(page, label=tr(label_key), query_params=params, icon=":material/open_in_new:")


def render_cards(review: WeekReview, port: str | None) -> None:
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
    link_row(drill.card_links(review.week, port))
    st.caption(tr("review.drill_hint"))


def picked(key: str, week: IsoWeek, port: str | None) -> None:
    url = drill.picked_url(key, st.session_state.get(key), week, port)
    if url is not None:
        open_url(url)


def chart(title_key: str, text_key: str, figure, key: str, opens: tuple[IsoWeek, str | None] | None = None) -> None:
    """A chart with its title and text; opens: the week and port its marks' lists are of (drill.picked_url)."""
    st.markdown(f"**{tr(title_key)}**")
    st.caption(tr(text_key))
    if opens is None:
        st.plotly_chart(figure, key=key, width="stretch")
    else:
        st.plotly_chart(
            figure, key=key, width="stretch", on_select=partial(picked, key, *opens), selection_mode="points"
        )


def render_charts(review: WeekReview, port: str | None) -> None:
    opens = (review.week, port)
    language = lang()
    name = "name_zh" if language == "zh_CN" else "name_en"
    labels = {
        "declarations": tr("statistics.kpi_declarations"),
        "inspections": tr("statistics.kpi_inspections"),
        "inspection_rate": tr("statistics.kpi_inspection_rate"),
        "detection_rate": tr("statistics.kpi_detection_rate"),
        "inspected": tr("statistics.col_inspected"),
        "non_conforming": tr("statistics.col_non_conforming"),
        "not_inspected": tr("statistics.col_declarations"),
        "realised": tr("statistics.realised"),
        "target": tr("statistics.target"),
        "declarations_last_year": tr("review.declarations_last_year"),
    }
    st.subheader(tr("statistics.trend"))
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.trend_volume",
            "statistics.trend_volume_text",
            charts.weekly_volume_chart(
                review.trend, labels, highlight=str(review.week), last_year=review.trend_last_year
            ),
            "statistics.chart_volume",
            opens,
        )
    with right:
        chart(
            "statistics.trend_rates",
            "statistics.trend_rates_text",
            charts.weekly_rates_chart(review.trend, labels),
            "statistics.chart_rates",
            opens,
        )
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.by_port",
            "statistics.by_port_text",
            charts.port_chart(review.by_port, name, labels),
            "statistics.chart_ports",
            opens,
        )
    with right:
        chart(
            "statistics.by_tier",
            "statistics.by_tier_text",
            charts.tier_target_chart(
                review.by_tier, {t: tier_label(language, t, review.week.sunday) for t in review.by_tier["tier"]}, labels
            ),
            "statistics.chart_tiers",
            opens,
        )
    sections = {s: section_label(language, s) for s in review.by_section["section"]}
    chart(
        "statistics.by_hs",
        "statistics.by_hs_text",
        charts.hs_section_chart(review.by_section, sections, labels),
        "statistics.chart_hs",
        opens,
    )
    left, right = st.columns(2)
    with left:
        chart(
            "statistics.by_origin",
            "statistics.by_origin_text",
            charts.origin_chart(review.by_origin, name, labels),
            "statistics.chart_origins",
            opens,
        )
    with right:
        chart(
            "statistics.by_inspector",
            "statistics.by_inspector_text",
            charts.inspector_chart(review.by_inspector, labels),
            "statistics.chart_inspectors",
            opens,
        )
    weekdays = [tr(f"statistics.weekday_{d}") for d in range(7)]
    chart(
        "statistics.heatmap",
        "statistics.heatmap_text",
        charts.heatmap_chart(review.heat, weekdays, labels),
        "statistics.chart_heatmap",
    )


def render_enterprises(review_scope: tuple[int, ...] | None, week: IsoWeek, port: str | None) -> None:
    """The enterprises ranked by non-conformities; a row opens the enterprise, its links its week's inspections."""
    language = lang()
    ranking = guarded(lambda: load_enterprise_ranking(review_scope, str(week)))
    if ranking is None:
        return
    st.subheader(tr("review.enterprises"))
    st.caption(tr("review.enterprises_text", days=ranking.attrs.get("repeat_window_days", "—")))
    if ranking.empty:
        render_empty("review.enterprises_none")
        return
    links = [drill.enterprise_links(int(e), week, port) for e in ranking["enterprise_id"]]

    def open_enterprise() -> None:
        rows = (st.session_state.get(ENTERPRISES) or {}).get("selection", {}).get("rows") or []
        if rows:
            open_url(links[rows[0]]["page"])

    def points(gap) -> str:
        if gap is None or pd.isna(gap):
            return "—"
        return tr("review.points", value=("+" if gap > 0 else "") + fmt_number(language, gap * 100, 1))

    def counts(column: str) -> list[str]:
        return [fmt_number(language, int(v)) for v in ranking[column]]

    table = pd.DataFrame(
        {
            "enterprise": [
                enterprise_label(language, n, e) for n, e in zip(ranking["name"], ranking["name_en"], strict=True)
            ],
            "tier": [tier_label(language, t, week.sunday) for t in ranking["credit_tier"]],
            "non_conforming": counts("non_conforming"),
            "repeat_findings": counts("repeat_findings"),
            "holds": counts("holds"),
            "declarations": counts("declarations"),
            "rate": [fmt_percent(language, None if pd.isna(v) else v) for v in ranking["inspection_rate"]],
            "target": [fmt_percent(language, None if pd.isna(v) else v) for v in ranking["target_rate"]],
            "gap": [points(v) for v in ranking["gap"]],
            "inspections": counts("inspections"),
            "week_inspections": [link["inspections"] for link in links],
            "week_findings": [link["findings"] for link in links],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key=ENTERPRISES,
        on_select=open_enterprise,
        selection_mode="single-row",
        column_config={
            "enterprise": tr("review.col_enterprise"),
            "tier": tr("review.col_tier"),
            "non_conforming": tr("review.col_non_conforming"),
            "repeat_findings": tr("review.col_repeats"),
            "holds": tr("review.col_holds"),
            "declarations": tr("review.col_declarations"),
            "rate": tr("review.col_rate"),
            "target": tr("review.col_target"),
            "gap": tr("review.col_gap"),
            "inspections": tr("review.col_inspections"),
            "week_inspections": st.column_config.LinkColumn(
                tr("review.col_week_inspections"), display_text=tr("review.open")
            ),
            "week_findings": st.column_config.LinkColumn(
                tr("review.col_week_findings"), display_text=tr("review.open")
            ),
        },
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


def render_ocr_accuracy(review_scope: tuple[int, ...] | None, week: str) -> None:
    """How often the number read from a step's photo was right: kept unchanged out of the proposals saved."""
    figures = guarded(lambda: load_ocr_accuracy(review_scope, week))
    if figures is None:
        return
    st.subheader(tr("readings.accuracy_title"))
    st.caption(tr("readings.accuracy_caption"))
    cols = st.columns(len(figures))
    for col, row in zip(cols, figures, strict=True):
        value = tr("readings.accuracy_none") if row["rate"] is None else fmt_percent(lang(), row["rate"])
        col.metric(
            tr(f"readings.kind_{row['kind']}"),
            value,
            help=tr(
                "readings.accuracy_help", confirmed=row["confirmed"], corrected=row["corrected"], typed=row["typed"]
            ),
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
    port_code = next((p.code for p in ports if p.id == port_id), None)
    render_cards(review, port_code)
    render_charts(review, port_code)
    render_enterprises(review_scope, review.week, port_code)
    render_report(week, port_id)
    render_ocr_accuracy(review_scope, week)
