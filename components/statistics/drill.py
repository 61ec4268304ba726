"""What the weekly review's figures open: the inspections (or alerts, or the enterprise) behind a
card, a chart mark or a table row, as the contract URLs of components/shell/links.py.

A week's list is what its figure counts, by the same China-time days from Monday to Sunday: the
inspections completed in the week (completed_from/completed_to) for its inspections, findings
and the marks of its trend, port and inspector charts, those decided in it
(decided_from/decided_to) for its releases, those put on hold in it (held_from/held_to) for its
holds, also one released since, which the list shows under its latest decision; at the chosen
port when the review is scoped to one. A mark of the charts by credit tier, origin and HS section
stands for a group of the week's declarations: it lists the inspections of the group's
declarations declared in the week (declared_from/declared_to: as many as its inspected
declarations, one inspection each), or for the section's non-conformity rate the group's
inspections completed in the week with a finding. A chart mark names what it stands for in its
customdata (components/statistics/charts.py); picked_url turns a Streamlit selection into the
URL. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from components.shell.links import alerts_url, enterprise_url, inspections_url
from components.statistics.charts import DECLARED, FOUND
from portsight.domain.stats import IsoWeek
from portsight.queries.inspections import ANY_FINDING

# The charts whose marks open a list, by their Streamlit key (pages/statistics.py).
WEEK_CHARTS = ("statistics.chart_volume", "statistics.chart_rates")
PORT_CHART = "statistics.chart_ports"
INSPECTOR_CHART = "statistics.chart_inspectors"
# The charts of groups of declarations, and the list parameter their group is.
GROUP_CHARTS = {
    "statistics.chart_tiers": "tier",
    "statistics.chart_origins": "origin",
    "statistics.chart_hs": "section",
}


def week_filters(week: IsoWeek, port: str | None = None) -> dict[str, object]:
    """The inspections completed in the week, as the review counts its inspections."""
    return {"port": port, "completed_from": week.monday, "completed_to": week.sunday}


def decided_filters(week: IsoWeek, port: str | None = None) -> dict[str, object]:
    """The inspections decided in the week, as the review counts its releases."""
    return {"port": port, "decided_from": week.monday, "decided_to": week.sunday}


def held_filters(week: IsoWeek, port: str | None = None) -> dict[str, object]:
    """The inspections put on hold in the week, as the review counts its holds."""
    return {"port": port, "held_from": week.monday, "held_to": week.sunday}


def declared_filters(week: IsoWeek, port: str | None = None) -> dict[str, object]:
    """The inspections of the declarations declared in the week, as the review counts its inspected declarations."""
    return {"port": port, "declared_from": week.monday, "declared_to": week.sunday}


def card_links(week: IsoWeek, port: str | None) -> dict[str, str]:
    """The lists behind the week's cards, by the label key of their link."""
    days, decided = week_filters(week, port), decided_filters(week, port)
    return {
        "review.open_inspections": inspections_url(**days),
        "review.open_non_conforming": inspections_url(**days, finding=ANY_FINDING),
        "review.open_held": inspections_url(**held_filters(week, port)),
        "review.open_released": inspections_url(**decided, decision="release"),
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
    if chart in GROUP_CHARTS and isinstance(data, list | tuple) and len(data) > 1:
        group = {GROUP_CHARTS[chart]: str(value)}
        if data[1] == DECLARED:
            return inspections_url(**declared_filters(week, port), **group)
        if data[1] == FOUND:
            return inspections_url(**week_filters(week, port), **group, finding=ANY_FINDING)
    return None


def page_and_params(url: str) -> tuple[str, list[tuple[str, str]]]:
    """A relative URL ("/inspections?port=CNSGH") as st.switch_page wants it: the page file and its parameters."""
    parts = urlsplit(url)
    return f"pages/{parts.path.strip('/')}.py", parse_qsl(parts.query)
