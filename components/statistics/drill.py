"""What the weekly review's figures open: the inspections (or alerts, or the enterprise) behind a
card, a chart mark or a table row, as the contract URLs of components/shell/links.py.

A week's list is its inspections opened from Monday to Sunday (China-time days, the list's
from/to), at the chosen port when the review is scoped to one. A chart mark names what it stands
for in its customdata (a week, a port code, an inspector's id: components/statistics/charts.py);
picked_url turns a Streamlit selection into the URL. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from components.shell.links import alerts_url, enterprise_url, inspections_url
from portsight.domain.stats import IsoWeek
from portsight.queries.inspections import ANY_FINDING

# The charts whose marks open a list, by their Streamlit key (pages/statistics.py).
WEEK_CHARTS = ("statistics.chart_volume", "statistics.chart_rates")
PORT_CHART = "statistics.chart_ports"
INSPECTOR_CHART = "statistics.chart_inspectors"


def week_filters(week: IsoWeek, port: str | None = None) -> dict[str, object]:
    return {"port": port, "date_from": week.monday, "date_to": week.sunday}


def card_links(week: IsoWeek, port: str | None) -> dict[str, str]:
    """The lists behind the week's cards, by the label key of their link."""
    days = week_filters(week, port)
    return {
        "review.open_inspections": inspections_url(**days),
        "review.open_non_conforming": inspections_url(**days, finding=ANY_FINDING),
        "review.open_held": inspections_url(**days, decision="hold"),
        "review.open_released": inspections_url(**days, decision="release"),
        "review.open_alerts": alerts_url(port=port),
    }


def enterprise_links(enterprise_id: int, week: IsoWeek, port: str | None) -> dict[str, str]:
    """A ranking row's links: the enterprise's page, its inspections of the week, those with findings."""
    days = week_filters(week, port)
    return {
        "page": enterprise_url(enterprise_id),
        "inspections": inspections_url(**days, enterprise_id=enterprise_id),
        "findings": inspections_url(**days, enterprise_id=enterprise_id, finding=ANY_FINDING),
    }


def picked_url(chart: str, selection: Mapping | None, week: IsoWeek, port: str | None) -> str | None:
    """The list behind the first mark of a chart's selection (None: nothing picked, or no list)."""
    points = ((selection or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    data = points[0].get("customdata")
    value = data[0] if isinstance(data, list | tuple) and data else data
    if value is None or value == "":
        return None
    if chart in WEEK_CHARTS:
        try:
            return inspections_url(**week_filters(IsoWeek.parse(str(value)), port))
        except ValueError:
            return None
    if chart == PORT_CHART:
        return inspections_url(**week_filters(week, str(value)))
    if chart == INSPECTOR_CHART:
        return inspections_url(**week_filters(week, port), inspector=int(value))
    return None


def page_and_params(url: str) -> tuple[str, list[tuple[str, str]]]:
    """A relative URL ("/inspections?port=CNSGH") as st.switch_page wants it: the page file and its parameters."""
    parts = urlsplit(url)
    return f"pages/{parts.path.strip('/')}.py", parse_qsl(parts.query)
