"""The live board as display-ready pieces: built once per change (token, minute) and language,
shared by every session that shows the same board, so a refresh only hands Streamlit finished
values. No Streamlit here: the builder and the refresh decision are unit-tested.

A refresh used to redo per session what is the same for everyone looking at the same ports in
the same language: status labels through pandas apply, the feed's time formatting, the event
lines, the label dicts of the figures (bench/README.md, "Many sessions", has the profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa

from components.overview import charts
from components.overview.feed import feed_sentence
from components.shell.formatting import as_text, fmt_stored_time
from portsight.clock import as_utc
from portsight.i18n import fmt_duration_minutes, fmt_number, fmt_percent, t
from portsight.queries.overview import PIPELINE_COUNTS, Overview

TABLE_COLUMNS = ("port", "name", "status", "declarations", *PIPELINE_COUNTS, "alerts_high")
CARD_COUNTS = ("declarations", "waiting", "under_inspection", "completed", "released", "held", "overdue")


@dataclass(frozen=True)
class BoardView:
    """What one board shows. Shared between sessions: read it, never mutate it."""

    cards: tuple[tuple[str, str | int], ...]  # (label, value) of the KPI cards, rows of four in reading order
    figures: Mapping[str, go.Figure]  # "map", "pipeline", "alerts"
    ports: pa.Table  # the port table, columns TABLE_COLUMNS, converted once (st.dataframe would per session)
    column_labels: Mapping[str, str]
    feed: str | None  # the event feed as markdown; None when there is no event today
    as_of: str
    as_of_help: str
    content: int  # equal for two views of one token that show the same (a turn of the minute may not)


def board_moved(shown: int | None, view: BoardView) -> bool:
    """Whether the session's board must be redrawn: what it shows (`shown`, the content of the view
    it was drawn from) differs from the current view. The watcher asks this every period; most
    periods nothing moved and the refresh is one cached lookup."""
    return shown != view.content


def alerts_may_be_new(last_checked: tuple[int, str] | None, token: tuple[int, str]) -> bool:
    """Whether the toast query can find anything: a high alert raised (first time or again) moves
    the change token (its last_raised_at is half of it), so an unchanged token means nothing new."""
    return last_checked != token


def next_toast_since(since: datetime, token: tuple[int, str], newest_toasted: datetime | None) -> datetime:
    """Where the next look for new high alerts starts, after a look at `token` found `newest_toasted`.

    Every raise up to the token's newest (its second half) has just been looked at, so the next
    look starts there, or after the newest alert toasted if that is later. Sessions that looked
    at the same token then ask the same question, and its cached answer is shared."""
    seen = [as_utc(since)]
    if token[1]:
        seen.append(datetime.fromisoformat(token[1]))
    if newest_toasted is not None:
        seen.append(as_utc(pd.Timestamp(newest_toasted).to_pydatetime()))
    return max(seen)


def board_view(board: Overview, lang: str, token: tuple[int, str], refresh_seconds: float) -> BoardView:
    """Everything the board shows, in `lang`, from the board's data as of change `token`."""

    def tr(key: str, **values: object) -> str:  # named tr so tests/unit/test_i18n.py checks these keys
        return t(lang, key, **values)

    k = board.kpis
    statuses = {s: tr(f"overview.status_{s}") for s in charts.PORT_STATUSES}
    severities = {s: tr(f"common.severity_{s}") for s in ("high", "medium", "low")}
    counted = {  # the labels of the counts, in the table's order
        "declarations": tr("overview.declarations"),
        "waiting": tr("overview.waiting"),
        "under_inspection": tr("overview.under_inspection"),
        "completed": tr("overview.completed"),
        "awaiting_results": tr("overview.awaiting_results"),
        "released": tr("overview.released"),
        "held": tr("overview.held"),
        "overdue": tr("overview.overdue"),
    }
    pipeline = {key: counted[key] for key in charts.PIPELINE}
    name_column = "name_zh" if lang == "zh_CN" else "name_en"
    cards = (
        *((counted[key], fmt_number(lang, k[key])) for key in CARD_COUNTS),
        (tr("overview.inspection_rate"), fmt_percent(lang, k["inspection_rate"])),
        (tr("overview.release_p50"), fmt_duration_minutes(lang, k["release_p50_minutes"])),
        (tr("overview.release_p90"), fmt_duration_minutes(lang, k["release_p90_minutes"])),
        *(
            (tr("overview.open_alerts", severity=severities[s]), board.alerts_by_severity[s])
            for s in ("high", "medium")
        ),
    )
    table = board.ports.copy()
    table["status"] = [statuses[charts.port_status(row)] for row in table.to_dict("records")]
    table["name"] = table[name_column]
    column_labels = {
        "port": tr("overview.port"),
        "name": tr("overview.port_name"),
        "status": tr("overview.status"),
        **counted,
        "alerts_high": tr("overview.alerts_high"),
    }
    feed = None
    if not board.events.empty:
        name = "port_zh" if lang == "zh_CN" else "port_en"
        feed = "\n".join(
            f"- {fmt_stored_time(lang, e['at'])} · **{as_text(e[name] or e['port'])}** · "
            + as_text(feed_sentence(lang, e))
            for e in board.events.to_dict("records")
        )
    figures = {
        "map": charts.ports_map_chart(
            board.ports, statuses, name_column=name_column, counts_label=tr("overview.map_counts")
        ),
        "alerts": charts.alerts_severity_chart(board.alerts_by_severity, severities),
        "pipeline": charts.port_pipeline_chart(board.ports, pipeline),
    }
    table = table[list(TABLE_COLUMNS)]
    as_of = tr("overview.as_of", event=token[0], seconds=refresh_seconds)
    # the token too: a raise that moves no count still has its toast to show
    rows = tuple(table.itertuples(index=False))
    content = hash((token, cards, rows, tuple(board.alerts_by_severity.items()), feed, as_of))
    return BoardView(
        cards=cards,
        figures=figures,
        ports=pa.Table.from_pandas(table),
        column_labels=column_labels,
        feed=feed,
        as_of=as_of,
        as_of_help=tr("overview.as_of_help"),
        content=content,
    )
