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
from datetime import date, datetime
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa

from components.overview import charts
from components.overview.feed import feed_line
from components.shell.formatting import as_text, fmt_stored_time
from components.shell.links import alerts_url, inspections_url
from portsight.clock import LOCAL_TZ, as_utc
from portsight.domain.inspection import AWAITING_RESULT_STATES, InspectionState
from portsight.domain.stats import local_day
from portsight.i18n import fmt_duration_minutes, fmt_number, fmt_percent, t
from portsight.queries.overview import PIPELINE_COUNTS, WAITING_STATES, Overview

TABLE_COLUMNS = ("port", "name", "status", "declarations", *PIPELINE_COUNTS, "alerts_high")
CARD_COUNTS = ("declarations", "waiting", "under_inspection", "completed", "released", "held", "overdue")
PORT_PARAM = "port"  # /overview?port=CNSGH: the board of one port
# Today's declarations are the selection page's pool (portsight.queries.selection.pool_summary counts
# the same declarations, per port): the one list of them there is.
DECLARATIONS_LINK = "/selection"
# The cards' look, sent with them: st.html keeps a <style> of its body, scoped here by the class.
CARDS_STYLE = """<style>
.ps-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.75rem 1rem}
.ps-card{display:flex;flex-direction:column;padding:.25rem 0;color:inherit;text-decoration:none}
.ps-card:hover .ps-card-label{text-decoration:underline}
.ps-card-label{font-size:.875rem;opacity:.75}
.ps-card-value{font-size:2.25rem;line-height:1.2;white-space:nowrap}
</style>"""


@dataclass(frozen=True)
class Link:
    """Where a figure leads: a page (its key, which is its URL path) and the filters of its URL,
    codes never labels (components/shell/links.py), in the order of the URL."""

    page: str
    params: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, url: str) -> Link:
        parts = urlsplit(url)
        return cls(parts.path.strip("/"), tuple(parse_qsl(parts.query)))

    @property
    def url(self) -> str:
        query = urlencode(self.params)
        return f"/{self.page}?{query}" if query else f"/{self.page}"


def figure_links(ports: tuple[str, ...], today: date) -> dict[str, Link]:
    """The list behind each of the board's figures (a card, a pipeline series, an alert severity),
    for the board's ports (empty: every port in the reader's scope, which the lists apply anyway).

    Counts of open work open the inspections in those states, whatever day they were opened, as
    the board counts them; today's releases and holds the inspections in that state decided today
    (portsight.queries.overview counts them by decided_at); the rate's numerator, the
    inspections opened today; an alert severity, the unresolved alerts of that severity."""
    port = list(ports)
    day = {"date_from": today, "date_to": today}
    decided = {"decided_from": today, "decided_to": today}
    awaiting = sorted(s.value for s in AWAITING_RESULT_STATES)
    inspections = {
        "waiting": inspections_url(port=port, state=list(WAITING_STATES)),
        "under_inspection": inspections_url(port=port, state=InspectionState.IN_PROGRESS.value),
        "completed": inspections_url(port=port, state=InspectionState.COMPLETED.value),
        "awaiting_results": inspections_url(port=port, state=awaiting),
        "released": inspections_url(port=port, state=InspectionState.RELEASED.value, **decided),
        "held": inspections_url(port=port, state=InspectionState.HELD.value, **decided),
        "overdue": inspections_url(port=port, overdue=True),
        "inspected_today": inspections_url(port=port, **day),
        **{f"alerts_{s}": alerts_url(port=port, severity=s) for s in ("high", "medium", "low")},
    }
    return {key: Link.of(url) for key, url in inspections.items()}


def port_link(link: Link, port: str) -> Link:
    """The same list, of one port."""
    return Link(link.page, (*(p for p in link.params if p[0] != "port"), ("port", port)))


def _first_point(selection: Mapping | None) -> Mapping | None:
    points = ((selection or {}).get("selection") or {}).get("points") or []
    return points[0] if points else None


def picked_port(selection: Mapping | None) -> str | None:
    """The port code of the map point clicked (a chart's selection state: {"selection": {"points": [...]}})."""
    point = _first_point(selection)
    code = None if point is None else point.get("customdata")
    return code if isinstance(code, str) and code else None


def picked_list(view: BoardView, selection: Mapping | None) -> Link | None:
    """The list behind the bar clicked on the pipeline (series key and port code) or alerts chart
    (severity); None for a point that carries neither."""
    point = _first_point(selection)
    key = None if point is None else point.get("customdata")
    if point is None or not isinstance(key, str):
        return None
    if key in charts.PIPELINE:
        port = point.get("x")
        return port_link(view.links[key], port) if isinstance(port, str) and port else view.links[key]
    return view.links.get(f"alerts_{key}")


@dataclass(frozen=True)
class BoardView:
    """What one board shows. Shared between sessions: read it, never mutate it."""

    cards: tuple[tuple[str, str | int], ...]  # (label, value) of the KPI cards, in reading order
    card_links: tuple[Link, ...]  # the list behind each card
    cards_html: str  # the cards as one element (cards_html): a redraw sends one element, not ~40
    links: Mapping[str, Link]  # the list behind each pipeline series and alert severity (figure_links)
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


def alerts_may_be_new(last_checked: tuple[int, str] | None, token: tuple[int, str], since: datetime) -> bool:
    """Whether the toast query can find anything: a high alert raised (first time or again) moves
    the change token (its last_raised_at is half of it), so an unchanged token means nothing new;
    and the token's newest raise, of any alert, not after `since` means none was raised since.

    The second half matters under many boards: each session's look starts when its board opened,
    so until an alert is raised after that, every move would ask one question per session."""
    return last_checked != token and bool(token[1]) and datetime.fromisoformat(token[1]) > as_utc(since)


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


def cards_html(cards: tuple[tuple[str, str | int], ...], links: tuple[Link, ...]) -> str:
    """The KPI cards as one block of links, each a label over its value, opening the list it counts.

    One element instead of a link and a metric per card in rows of columns (~40 elements): every
    board redraws its cards each time it moves, for each session. Labels and values are text."""
    items = "".join(
        f'<a class="ps-card" href="{escape(link.url)}">'
        f'<span class="ps-card-label">{escape(label)}</span>'
        f'<span class="ps-card-value">{escape(str(value))}</span></a>'
        for (label, value), link in zip(cards, links, strict=True)
    )
    return f'{CARDS_STYLE}<div class="ps-cards">{items}</div>'


def board_view(
    board: Overview, lang: str, token: tuple[int, str], refresh_seconds: float, *, ports: tuple[str, ...] = ()
) -> BoardView:
    """Everything the board shows, in `lang`, from the board's data as of change `token`; `ports`
    narrows the links behind its figures (the board of chosen ports; empty: the reader's scope)."""

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
    links = figure_links(ports, local_day(board.at, LOCAL_TZ))
    card_links = (
        Link.of(DECLARATIONS_LINK),
        *(links[key] for key in CARD_COUNTS[1:]),
        links["inspected_today"],
        links["released"],
        links["released"],
        links["alerts_high"],
        links["alerts_medium"],
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
            + feed_line(lang, e)  # escaped text, linked to what the entry is about
            for e in board.events.to_dict("records")
        )
    figures = {
        "map": charts.SharedFigure(
            charts.ports_map_chart(
                board.ports, statuses, name_column=name_column, counts_label=tr("overview.map_counts")
            )
        ),
        "alerts": charts.SharedFigure(charts.alerts_severity_chart(board.alerts_by_severity, severities)),
        "pipeline": charts.SharedFigure(charts.port_pipeline_chart(board.ports, pipeline)),
    }
    table = table[list(TABLE_COLUMNS)]
    as_of = tr("overview.as_of", event=token[0], seconds=refresh_seconds)
    # the token too: a raise that moves no count still has its toast to show
    rows = tuple(table.itertuples(index=False))
    content = hash((token, cards, rows, tuple(board.alerts_by_severity.items()), feed, as_of))
    return BoardView(
        cards=cards,
        card_links=card_links,
        cards_html=cards_html(cards, card_links),
        links=links,
        figures=figures,
        ports=pa.Table.from_pandas(table),
        column_labels=column_labels,
        feed=feed,
        as_of=as_of,
        as_of_help=tr("overview.as_of_help"),
        content=content,
    )
