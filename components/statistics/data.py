"""The statistics page's cached readers, the weekly report, and how its figures are written.

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port), a
week its ISO name ("2025-W22"). The figures' text (kpi_text, change_text, section and tier
labels) is the report's own, so the page and the PDF/Excel say the same.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine
from components.shell.state import Scope
from portsight.documents import weekly_report
from portsight.documents.weekly_report import WeekReport
from portsight.documents.weekly_text import Progress, change_text, kpi_text, section_label, tier_label
from portsight.domain.access import Actor
from portsight.domain.stats import IsoWeek
from portsight.i18n import fmt_number, t
from portsight.queries import enterprise_review
from portsight.queries import number_readings as reading_queries
from portsight.queries import statistics as statistics_queries
from portsight.queries.statistics import WeekReview
from portsight.queries.weeks import PortInfo, scope_ports

__all__ = [
    "PortInfo",
    "WeekReport",
    "WeekReview",
    "card_text",
    "change_text",
    "export_week_report",
    "kpi_text",
    "load_enterprise_ranking",
    "load_latest_week",
    "load_ocr_accuracy",
    "load_scope_ports",
    "load_week_review",
    "section_label",
    "tier_label",
]


def card_text(lang: str, key: str, value) -> str:
    """A KPI as its card shows it: durations in one short unit ("3.6 h", "3.6小时"), so that five
    cards a row fit a 1440 px screen; the exact figure (kpi_text) goes in the card's help."""
    if not key.endswith("_min") or value is None or value != value:  # NaN: no figure this week
        return kpi_text(lang, key, value)
    minutes = float(value)
    if minutes < 60:
        return t(lang, "statistics.card_minutes", value=fmt_number(lang, minutes))
    hours = minutes / 60
    if hours < 48:
        return t(lang, "statistics.card_hours", value=fmt_number(lang, hours, 1 if hours < 10 else 0))
    days = hours / 24
    return t(lang, "statistics.card_days", value=fmt_number(lang, days, 1 if days < 100 else 0))


@st.cache_data(ttl=300, show_spinner=False)
def load_scope_ports(scope: Scope) -> list[PortInfo]:
    return scope_ports(get_engine(), scope)


@st.cache_data(ttl=300, show_spinner=False)
def load_latest_week(scope: Scope) -> str | None:
    week = statistics_queries.latest_week(get_engine(), scope)
    return None if week is None else str(week)


@st.cache_data(ttl=120, show_spinner=False)
def load_week_review(scope: Scope, week: str, trend_weeks: int) -> WeekReview:
    return statistics_queries.week_review(get_engine(), scope, IsoWeek.parse(week), trend_weeks)


@st.cache_data(ttl=120, show_spinner=False)
def load_ocr_accuracy(scope: Scope, week: str) -> list[dict]:
    """Per kind of number, how often the proposal read from a step's photo was saved unchanged."""
    return reading_queries.ocr_accuracy(get_engine(), scope, IsoWeek.parse(week))


@st.cache_data(ttl=120, show_spinner=False)
def load_enterprise_ranking(scope: Scope, week: str) -> pd.DataFrame:
    """The week's enterprises ranked by non-conformities (attrs["repeat_window_days"]: the repeats' window)."""
    return enterprise_review.enterprise_breakdown(get_engine(), scope, IsoWeek.parse(week))


def export_week_report(
    actor: Actor, week: str, *, port_id: int | None, lang: str, progress: Progress | None = None
) -> WeekReport:
    """The week's review as PDF and Excel for the actor's scope (or one of its ports); audited."""
    return weekly_report.export_week_report(get_engine(), actor, week, port_id=port_id, lang=lang, progress=progress)
