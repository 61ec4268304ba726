"""How the weekly review's figures, changes, weeks and names are written, in one place for the
report's PDF and Excel and the statistics page, and the progress callback its renderers share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from portsight.catalogue import tier_name
from portsight.domain.stats import IsoWeek
from portsight.i18n import fmt_date, fmt_duration_minutes, fmt_number, fmt_percent, t
from portsight.queries.statistics import WeekReview

Progress = Callable[[float, str], None]  # (fraction 0..1, message key)


def no_progress(_fraction: float, _key: str) -> None:
    return None


def kpi_text(lang: str, key: str, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if key.endswith("_rate"):
        return fmt_percent(lang, float(value))
    if key.endswith("_min"):
        return fmt_duration_minutes(lang, float(value))
    return fmt_number(lang, float(value))


def change_text(lang: str, kind: str, change) -> str:
    if change is None or (isinstance(change, float) and pd.isna(change)):
        return "—"
    if kind == "points":
        return t(lang, "statistics.points", value=f"{change * 100:+.1f}")
    return f"{change * 100:+.1f}%"


def port_names(review: WeekReview) -> list[str]:
    return [f"{p.name_en} {p.name_zh} ({p.code})" for p in review.ports]


def week_text(lang: str, week: IsoWeek) -> str:
    return t(
        lang,
        "statistics.week_label",
        week=str(week),
        start=fmt_date(lang, week.monday),
        end=fmt_date(lang, week.sunday),
    )


def section_label(lang: str, section: str) -> str:
    key = f"statistics.section_{section}"
    text = t(lang, key)
    return section if text == key else text


def tier_label(lang: str, tier: str, on_date: date | None = None) -> str:
    """The tier's name under the credit measures in force on the date (the catalogue's names), else
    the message catalogue's, else the code."""
    name = tier_name(tier, on_date, lang) if on_date is not None else None
    if name:
        return name
    key = f"statistics.tier_{tier}"
    text = t(lang, key)
    return tier if text == key else text
