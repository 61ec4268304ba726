"""The inspections list's filters kept in the URL (the contract links are built on:
components/shell/links.py inspections_url).

Each run reads st.query_params (codes and ids, never labels, so a link works in either language)
and sets the widgets from it; a widget's change writes its parameter back. A link therefore opens
the same list, and the browser's back button (Streamlit reruns with the URL it returns to) brings
the previous filters back. Opening a record adds id=<inspection id> to the same URL, so coming back
from it (the page's back button drops only id) keeps the filters.

    ?port=CNSGH&port=CNNGB&state=assigned&state=in_progress&overdue=1&from=2026-11-23&to=2026-11-29
     &decision=release&enterprise_id=12&declaration_id=40&hs=84&inspector=7&finding=<rule id>|any&container=TGHU
     &tier=general&origin=DE&section=XVI&enterprise=<text>&sort=declared_at&order=asc&page=2

from/to are China-time calendar days, inclusive, of the day an inspection was opened;
decided_from/decided_to and completed_from/completed_to the same of the day it was decided or
completed, which is how the board counts today's releases and holds and the weekly review its
inspections; held_from/held_to of the day it was put on hold (the review's holds, also those
released since) and declared_from/declared_to of the day its declaration was declared (the
review's declarations by tier, origin and HS section). The list filters by one of these ranges at
a time (one date widget and its "which date" choice): a URL naming several keeps the first in
DATE_PARAMS. overdue=1 is the board's overdue (portsight.db.overdue); finding=any: at least one
finding. tier (a stored credit code), origin (ISO alpha-2) and section (an HS section's Roman
numeral, of the first goods line) are the weekly review's groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import streamlit as st

from portsight.domain.inspection import CLOSING_DECISIONS, InspectionState
from portsight.queries.inspections import ANY_FINDING

SORTS = ("created_at", "declared_at", "port", "state", "declaration", "enterprise", "priority")
ASCENDING = "asc"  # ?order=asc; newest / highest first otherwise
MAX_TEXT = 100
MAX_PAGE = 100_000
_RULE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TIER = re.compile(r"[a-z_]{1,24}")
_SECTION = re.compile(r"[IVXL]{1,6}")
_STATES = tuple(s.value for s in InspectionState)
_DECISIONS = tuple(d.value for d in CLOSING_DECISIONS)
# Which date the day range is of -> its URL parameters; the first with a day in the URL wins.
DATE_PARAMS = {
    "decided": ("decided_from", "decided_to"),
    "completed": ("completed_from", "completed_to"),
    "held": ("held_from", "held_to"),
    "declared": ("declared_from", "declared_to"),
    "opened": ("from", "to"),
}
OPENED = "opened"


@dataclass(frozen=True)
class ListFilters:
    ports: tuple[str, ...] = ()  # port codes
    states: tuple[str, ...] = ()
    overdue: bool = False
    dated: str = OPENED  # which date the range is of: a key of DATE_PARAMS
    date_from: date | None = None
    date_to: date | None = None
    decision: str | None = None
    enterprise_id: int | None = None
    declaration_id: int | None = None  # the inspections of one declaration (the board's feed links so)
    hs: str = ""  # an HS chapter, two digits
    inspector_id: int | None = None
    finding: str | None = None  # a rule id, or ANY_FINDING
    tier: str | None = None  # a stored credit code
    origin: str | None = None  # ISO 3166 alpha-2
    section: str | None = None  # an HS section, Roman numeral
    container: str = ""
    enterprise: str = ""  # part of a name, or a USCC
    sort: str = SORTS[0]
    descending: bool = True
    page: int = 1


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 18 else None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _date_range(one: Callable[[str], str]) -> tuple[str, tuple[date | None, date | None]]:
    """Which date the URL's day range is of, and its first and last day."""
    for kind, (first, last) in DATE_PARAMS.items():
        days = (_day(one(first)), _day(one(last)))
        if days != (None, None):
            return kind, days
    return OPENED, (None, None)


def parse_filters(params: Mapping[str, list[str]]) -> ListFilters:
    """The filters a URL's parameters ask for (each a list of values); unknown values are dropped."""

    def one(name: str) -> str:
        values = params.get(name) or []
        return values[-1].strip() if values else ""

    hs = one("hs")
    finding = one("finding")
    tier, origin, section = one("tier"), one("origin").upper(), one("section").upper()
    page = _int(one("page")) or 1
    dated, days = _date_range(one)
    return ListFilters(
        ports=tuple(dict.fromkeys(p.upper() for p in params.get("port") or [] if p.isalnum() and len(p) == 5)),
        states=tuple(s for s in _STATES if s in (params.get("state") or [])),
        overdue=one("overdue") in ("1", "true"),
        dated=dated,
        date_from=days[0],
        date_to=days[1],
        decision=one("decision") if one("decision") in _DECISIONS else None,
        enterprise_id=_int(one("enterprise_id")),
        declaration_id=_int(one("declaration_id")),
        hs=hs.zfill(2) if hs.isdigit() and len(hs) <= 2 else "",
        inspector_id=_int(one("inspector")),
        finding=finding if _RULE_ID.fullmatch(finding) else None,
        tier=tier if _TIER.fullmatch(tier) else None,
        origin=origin if len(origin) == 2 and origin.isascii() and origin.isalpha() else None,
        section=section if _SECTION.fullmatch(section) else None,
        container="".join(one("container").split()).upper()[:MAX_TEXT],
        enterprise=one("enterprise")[:MAX_TEXT],
        sort=one("sort") if one("sort") in SORTS else SORTS[0],
        descending=one("order") != ASCENDING,
        page=min(page, MAX_PAGE),
    )


def filters_from_url() -> ListFilters:
    return parse_filters({name: st.query_params.get_all(name) for name in st.query_params})


def set_param(name: str, value: str | Iterable[str] | None) -> None:
    """Write one parameter into the URL (None or nothing: remove it). Any but the page number
    starts the list again at its first page."""
    values = [value] if isinstance(value, str) else list(value or [])
    values = [v for v in values if v != ""]
    if not values:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = values if len(values) > 1 else values[0]
    if name != "page":
        st.query_params.pop("page", None)


def set_dates(dated: str, first: date | None, last: date | None) -> None:
    """Write the day range into the URL as a range of that date (None, None: no range), removing
    any range of another date, since the list filters by one at a time."""
    for kind, names in DATE_PARAMS.items():
        for name, day in zip(names, (first, last), strict=True):
            set_param(name, day.isoformat() if kind == dated and day is not None else None)


def finding_choices(rules: Iterable[str], asked: str | None) -> list[str | None]:
    """The finding filter's options: none, any finding, then each rule (the one asked for included)."""
    listed = [r for r in rules if r != ANY_FINDING]
    if asked and asked != ANY_FINDING and asked not in listed:
        listed.append(asked)
    return [None, ANY_FINDING, *listed]
