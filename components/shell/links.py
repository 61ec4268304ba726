"""Links to the lists and records behind a figure: relative URLs whose parameters are codes and ids,
never labels, so a link opens the same view in either language and can be shared.

    inspections_url(port="CNSGH", overdue=True)  -> "/inspections?port=CNSGH&overdue=1"
    inspections_url(state=["assigned", "in_progress"], date_from=date(2026, 11, 23))
        -> "/inspections?state=assigned&state=in_progress&from=2026-11-23"
    alerts_url(alert=123)                        -> "/alerts?alert=123"
    enterprise_url(12)                           -> "/enterprise?id=12"

    inspections_url(state="released", decided_from=date(2026, 12, 3), decided_to=date(2026, 12, 3))
        -> "/inspections?state=released&decided_from=2026-12-03&decided_to=2026-12-03"

A list's value repeats its parameter; None, "", False and an empty list leave the parameter out;
True is "1"; a date is its ISO day. The pages read the same names (components/inspections/filters.py,
components/alerts/filters.py). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlencode

# Python names for URL parameters that are keywords ("from") or read better spelled out.
_ALIASES = {"date_from": "from", "date_to": "to"}


def _value(value: object) -> str:
    if value is True:
        return "1"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _query(filters: dict[str, object]) -> str:
    pairs: list[tuple[str, str]] = []
    for name, value in filters.items():
        values = list(value) if isinstance(value, Iterable) and not isinstance(value, str | bytes) else [value]
        pairs.extend(
            (_ALIASES.get(name, name), _value(v)) for v in values if v is not None and v is not False and v != ""
        )
    return urlencode(pairs)


def _url(path: str, filters: dict[str, object]) -> str:
    query = _query(filters)
    return f"/{path}?{query}" if query else f"/{path}"


def inspections_url(**filters: object) -> str:
    """The inspections list with these filters (names as in the URL: port, state, overdue, from, to,
    decided_from, decided_to, completed_from, completed_to, held_from, held_to, declared_from,
    declared_to, decision, enterprise_id, hs, inspector, finding, tier, origin, section, container,
    enterprise, sort, order, page), or one inspection's record with id=<inspection id>. from/to are
    of the day an inspection was opened, decided_*/completed_*/held_* of the day it was decided,
    completed or put on hold, declared_* of the day its declaration was declared; the list filters
    by one of these ranges at a time."""
    return _url("inspections", filters)


def alerts_url(**filters: object) -> str:
    """The alerts page with these filters (state, severity, kind, port, enterprise, search) or alert=<id>."""
    return _url("alerts", filters)


def enterprise_url(enterprise_id: int) -> str:
    """One enterprise's page: its history, credit timeline, findings and risk profiles."""
    return _url("enterprise", {"id": int(enterprise_id)})
