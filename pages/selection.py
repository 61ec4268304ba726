"""Double random selection (双随机): today's pool, draws and why, dispatch, realised rates, published list."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.selection.charts import realised_vs_target_chart
from components.selection.data import (
    PUBLISHED_COLUMNS,
    credit_measures,
    current_policy,
    dispatch_inspectors,
    load_awaiting_dispatch,
    load_dispatched_today,
    load_draw_commitments,
    load_draws_today,
    load_pool_summary,
    load_published_list,
    load_realised_rates,
    published_list_csv,
    published_list_pdf,
    replay_selection,
    select_pending,
    tier_name,
)
from components.shell.formatting import selection_reason_text
from components.shell.names import enterprise_names
from components.shell.state import current_scope, lang, require_page, scope_key, tr
from components.shell.widgets import flash, guarded, localise_times, render_empty, show_flash, state_label
from portsight.clock import LOCAL_TZ
from portsight.domain.credit import GENERAL_CERTIFIED
from portsight.domain.enterprise import CreditTier
from portsight.domain.selection import CEILING, SelectionPolicy
from portsight.i18n import fmt_percent

actor = require_page("selection")

# Widget keys of this page
FLASH = "selection.flash"  # a success message shown after the rerun that follows a write
DRAW = "selection.draw"
DISPATCH_PICK = "selection.dispatch_pick"
DISPATCH = "selection.dispatch"
PERIOD = "selection.period"
REPLAY_ID = "selection.replay_id"
REPLAY = "selection.replay"
CSV = "selection.csv"
PDF = "selection.pdf"
CHART = "selection.rates_chart"

scope = scope_key(current_scope())


def tier_label(tier: str, on: date | None = None) -> str:
    """The tier's name under the credit measures in force on the date (today for None)."""
    name = tier_name(tier, on or datetime.now(ZoneInfo(LOCAL_TZ)).date(), lang())
    if name:
        return name
    return tr(f"selection.tier_{tier}") if tier in {*CreditTier, GENERAL_CERTIFIED} else tier


def target_text(policy: SelectionPolicy, tier: str, on: date) -> str:
    """A tier's target, with its legal bound when it has one."""
    values = {"tier": tier_label(tier, on), "target": fmt_percent(lang(), policy.target(tier), 1)}
    bound = policy.bounds.get(tier)
    if bound is None:
        return tr("selection.target_plain", **values)
    if bound.kind == CEILING:
        base = tier_label(policy.base_tier, on)
        return tr("selection.target_ceiling", share=fmt_percent(lang(), bound.value, 0), base=base, **values)
    return tr("selection.target_floor", floor=fmt_percent(lang(), bound.value, 0), **values)


def bound_text(op: str | None, limit: float | None) -> str:
    return "—" if op is None or limit is None or pd.isna(limit) else f"{op} {fmt_percent(lang(), limit, 1)}"


def outcome_label(outcome: str) -> str:
    return tr(f"selection.outcome_{outcome}")


def reason_text(reasons: list) -> str:
    return "; ".join(selection_reason_text(lang(), r) for r in reasons or [])


# ---------------------------------------------------------------- sections
def render_pool() -> None:
    st.subheader(tr("selection.pool_today"))
    pool = load_pool_summary(scope)
    if pool.empty:
        render_empty("selection.no_pool")
    else:
        metrics = [("declarations", "selection.col_declarations"), ("drawn", "selection.col_drawn"),
                   ("inspect", "selection.outcome_inspect"), ("document_check", "selection.outcome_document_check"),
                   ("release", "selection.outcome_release"), ("waiting", "selection.waiting")]  # fmt: skip
        for col, (name, label) in zip(st.columns(len(metrics)), metrics, strict=True):
            col.metric(tr(label), int(pool[name].sum()))
        st.dataframe(
            pool.drop(columns=["port_id"]),
            hide_index=True,
            key="selection.pool_table",
            column_config={
                "port": tr("selection.col_port"),
                "declarations": tr("selection.col_declarations"),
                "drawn": tr("selection.col_drawn"),
                "inspect": tr("selection.outcome_inspect"),
                "document_check": tr("selection.outcome_document_check"),
                "release": tr("selection.outcome_release"),
                "waiting": tr("selection.col_waiting"),
            },
        )
    if st.button(tr("selection.draw_waiting"), key=DRAW, type="primary"):
        drawn = guarded(lambda: select_pending(actor, current_scope()))
        if drawn is not None:
            flash(FLASH, tr("selection.drawn_n", n=drawn) if drawn else tr("selection.nothing_waiting"))


def render_draws() -> None:
    st.subheader(tr("selection.draws_today"))
    draws = load_draws_today(scope)
    if draws.empty:
        render_empty("selection.no_draws")
        return
    shown = enterprise_names(localise_times(draws, "drawn_at"))
    shown["tier"] = shown["tier"].map(tier_label)
    shown["outcome"] = shown["outcome"].map(outcome_label)
    shown["rate"] = shown["rate"].map(lambda v: fmt_percent(lang(), v, 1))
    shown["reasons"] = shown["reasons"].map(reason_text)
    st.dataframe(
        shown[
            [
                "selection_id",
                "drawn_at",
                "port",
                "declaration",
                "enterprise",
                "tier",
                "outcome",
                "rate",
                "forced",
                "reasons",
                "inspection_id",
            ]
        ],  # fmt: skip
        hide_index=True,
        key="selection.draws_table",
        column_config={
            "selection_id": tr("selection.col_selection"),
            "drawn_at": tr("selection.col_drawn_at"),
            "port": tr("selection.col_port"),
            "declaration": tr("selection.col_declaration"),
            "enterprise": tr("selection.col_enterprise"),
            "tier": tr("selection.col_tier"),
            "outcome": tr("selection.col_outcome"),
            "rate": tr("selection.col_rate"),
            "forced": st.column_config.CheckboxColumn(tr("selection.col_forced")),
            "reasons": tr("selection.col_reasons"),
            "inspection_id": tr("selection.col_inspection"),
        },
    )


def render_dispatch() -> None:
    st.subheader(tr("selection.awaiting_dispatch"))
    waiting = load_awaiting_dispatch(scope)
    if waiting.empty:
        render_empty("selection.no_awaiting")
    else:
        st.dataframe(
            enterprise_names(localise_times(waiting, "created_at")),
            hide_index=True,
            key="selection.awaiting_table",
            column_config={
                "inspection_id": tr("selection.col_inspection"),
                "port": tr("selection.col_port"),
                "declaration": tr("selection.col_declaration"),
                "enterprise": tr("selection.col_enterprise"),
                "priority": tr("selection.col_priority"),
                "created_at": tr("selection.col_created_at"),
            },
        )
        labels = {int(r.inspection_id): f"{r.inspection_id} · {r.port} · {r.declaration}" for r in waiting.itertuples()}
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        pick = left.selectbox(tr("selection.inspection_to_dispatch"), list(labels), format_func=labels.get,
                              key=DISPATCH_PICK)  # fmt: skip
        if right.button(tr("selection.dispatch"), key=DISPATCH, type="primary"):
            result = guarded(lambda: dispatch_inspectors(actor, pick))
            if result is not None:
                flash(FLASH, tr("selection.dispatched_to", inspection=pick, inspectors=len(result.user_ids)))

    st.subheader(tr("selection.dispatched_today"))
    dispatched = load_dispatched_today(scope)
    if dispatched.empty:
        render_empty("selection.no_dispatched")
        return
    shown = enterprise_names(localise_times(dispatched, "assigned_at"))
    shown["position"] = shown["position"].map(lambda p: tr(f"selection.position_{p}"))
    shown["state"] = shown["state"].map(state_label)
    st.dataframe(
        shown,
        hide_index=True,
        key="selection.dispatched_table",
        column_config={
            "inspection_id": tr("selection.col_inspection"),
            "port": tr("selection.col_port"),
            "declaration": tr("selection.col_declaration"),
            "inspector": tr("selection.col_inspector"),
            "position": tr("selection.col_position"),
            "assigned_at": tr("selection.col_assigned_at"),
            "state": tr("selection.col_state"),
        },
    )


def render_rates_and_published() -> None:
    today = datetime.now(ZoneInfo(LOCAL_TZ)).date()
    period = st.date_input(tr("selection.period"), value=(today - timedelta(days=27), today), key=PERIOD)
    if not isinstance(period, tuple | list) or len(period) != 2:
        st.info(tr("selection.period_invalid"))
        return
    start, end = period

    st.subheader(tr("selection.rates"))
    rates = load_realised_rates(scope, start, end)
    if rates["n"].sum() == 0:
        render_empty("selection.no_rates")
    labels = {t: tier_label(t, end) for t in rates["tier"]}
    fig = realised_vs_target_chart(
        rates, labels, tr("selection.chart_realised"), tr("selection.chart_target"),
        title=tr("selection.chart_title"), rate_axis=tr("selection.chart_rate_axis"),
    )  # fmt: skip
    st.plotly_chart(fig, key=CHART)
    table = rates.copy()
    table["tier"] = table["tier"].map(labels.get)
    for col in ("realised", "target"):
        table[col] = table[col].map(lambda v: "—" if pd.isna(v) else fmt_percent(lang(), v, 1))
    table["bound"] = [bound_text(op, limit) for op, limit in zip(rates["bound_op"], rates["limit"], strict=True)]
    table = table[["tier", "n", "inspected", "forced", "realised", "target", "bound", "inside"]]
    st.dataframe(
        table,
        hide_index=True,
        key="selection.rates_table",
        column_config={
            "tier": tr("selection.col_tier"),
            "n": tr("selection.col_n"),
            "inspected": tr("selection.col_inspected"),
            "forced": tr("selection.col_forced"),
            "realised": tr("selection.col_realised"),
            "target": tr("selection.col_target"),
            "bound": tr("selection.col_bound"),
            "inside": st.column_config.CheckboxColumn(tr("selection.col_inside")),
        },
    )

    st.subheader(tr("selection.published"))
    st.caption(tr("selection.published_caption"))
    published = load_published_list(scope, start, end)
    if published.empty:
        render_empty("selection.published_empty")
        return
    shown = enterprise_names(published)
    shown["check"] = shown["check"].map(lambda c: tr(f"selection.check_{c}"))
    shown["result"] = shown["result"].map(lambda r: tr(f"selection.result_{r}"))
    st.dataframe(
        shown.head(500),
        hide_index=True,
        key="selection.published_table",
        column_config={c: tr(f"selection.pub_{c}") for c in PUBLISHED_COLUMNS},
    )
    ports = ", ".join(sorted(set(published["port"])))
    left, right = st.columns(2)
    left.download_button(
        tr("selection.download_csv"), published_list_csv(published, lang()),
        file_name=f"published-{start}-{end}.csv", mime="text/csv", key=CSV,
    )  # fmt: skip
    subtitle = tr("selection.pdf_subtitle", start=start, end=end, ports=ports)
    pdf = guarded(lambda: published_list_pdf(published, lang(), tr("selection.pdf_title"), subtitle))
    if pdf is not None:
        right.download_button(tr("selection.download_pdf"), pdf, file_name=f"published-{start}-{end}.pdf",
                              mime="application/pdf", key=PDF)  # fmt: skip


def render_replay() -> None:
    with st.expander(tr("selection.replay")):
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        selection_id = left.number_input(tr("selection.replay_id"), min_value=1, step=1, key=REPLAY_ID)
        if right.button(tr("selection.replay_button"), key=REPLAY):
            replay = guarded(lambda: replay_selection(int(selection_id)))
            if replay is None:
                return
            if replay.matches:
                st.success(
                    tr(
                        "selection.replay_ok",
                        id=int(selection_id),
                        outcome=outcome_label(replay.stored["outcome"]),
                        rate=fmt_percent(lang(), replay.stored["rate"], 1),
                    )  # fmt: skip
                )
            else:
                st.error(tr("selection.replay_mismatch", id=int(selection_id), stored=replay.stored,
                            recomputed=replay.recomputed))  # fmt: skip


def render_commitments() -> None:
    st.subheader(tr("selection.commitments"))
    st.caption(tr("selection.commitments_caption"))
    commitments = load_draw_commitments()
    if commitments.empty:
        render_empty("selection.no_commitments")
        return
    shown = localise_times(commitments, "published_at", "revealed_at")
    shown["seed"] = shown["seed"].map(lambda v: v if isinstance(v, str) else tr("selection.seed_not_revealed"))
    st.dataframe(
        shown,
        hide_index=True,
        key="selection.commitments_table",
        column_config={
            "day": tr("selection.col_day"),
            "seed_sha256": tr("selection.col_seed_sha256"),
            "published_at": tr("selection.col_published_at"),
            "seed": tr("selection.col_seed"),
            "revealed_at": tr("selection.col_revealed_at"),
        },
    )
    st.caption(tr("selection.commitments_verify"))
    st.code("python -m portsight draws verify --day YYYY-MM-DD", language="bash")


# ---------------------------------------------------------------- layout
st.title(tr("selection.title"))
today = datetime.now(ZoneInfo(LOCAL_TZ)).date()
policy = current_policy(today)
measures = credit_measures(today)
targets = "; ".join(target_text(policy, t, today) for t in policy.tiers)
st.caption(tr("selection.intro", minimum=fmt_percent(lang(), policy.minimum_random_rate, 1)))
if measures is not None:
    since = measures.effective_from.isoformat()
    note = "" if measures.rates_confirmed else " " + tr("selection.measures_unconfirmed")
    st.caption(tr("selection.measures", document=measures.document.get(lang()), since=since) + note)
st.caption(tr("selection.targets", targets=targets))
show_flash(FLASH)

if scope == ():
    render_empty("selection.no_port_scope")
else:
    guarded(render_pool)
    guarded(render_draws)
    guarded(render_dispatch)
    guarded(render_rates_and_published)
    guarded(render_replay)
    guarded(render_commitments)
