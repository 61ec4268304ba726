"""The inspections list's filters kept in the URL (the contract links are built on:
components/shell/links.py inspections_url).

Each run reads st.query_params (codes and ids, never labels, so a link works in either language)
and sets the widgets from it; a widget's change writes its parameter back. A link therefore opens
the same list, and the browser's back button (Streamlit reruns with the URL it returns to) brings
the previous filters back. Opening a record adds id=<inspection id> to the same URL, so coming back
from it (the page's back button drops only id) keeps the filters.

    ?port=CNSGH&port=CNNGB&state=assigned&state=in_progress&overdue=1&from=2026-11-23&to=2026-11-29
     &decision=release&enterprise_id=12&declaration_id=40&hs=84&inspector=7&finding=<rule id>|any&container=TGHU
     &enterprise=<text>&sort=declared_at&order=asc&page=2

from/to are China-time calendar days, inclusive; overdue=1 is the board's overdue
(portsight.db.overdue); finding=any: at least one finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
_STATES = tuple(s.value for s in InspectionState)
_DECISIONS = tuple(d.value for d in CLOSING_DECISIONS)


@dataclass(frozen=True)
class ListFilters:
    ports: tuple[str, ...] = ()  # port codes
    states: tuple[str, ...] = ()
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    decision: str | None = None
    enterprise_id: int | None = None
    declaration_id: int | None = None  # the inspections of one declaration (the board's feed links so)
    hs: str = ""  # an HS chapter, two digits
    inspector_id: int | None = None
    finding: str | None = None  # a rule id, or ANY_FINDING
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


def parse_filters(params: Mapping[str, list[str]]) -> ListFilters:
    """The filters a URL's parameters ask for (each a list of values); unknown values are dropped."""

    def one(name: str) -> str:
        values = params.get(name) or []
        return values[-1].strip() if values else ""

    hs = one("hs")
    finding = one("finding")
    page = _int(one("page")) or 1
    return ListFilters(
        ports=tuple(dict.fromkeys(p.upper() for p in params.get("port") or [] if p.isalnum() and len(p) == 5)),
        states=tuple(s for s in _STATES if s in (params.get("state") or [])),
        overdue=one("overdue") in ("1", "true"),
        date_from=_day(one("from")),
        date_to=_day(one("to")),
        decision=one("decision") if one("decision") in _DECISIONS else None,
        enterprise_id=_int(one("enterprise_id")),
        declaration_id=_int(one("declaration_id")),
        hs=hs.zfill(2) if hs.isdigit() and len(hs) <= 2 else "",
        inspector_id=_int(one("inspector")),
        finding=finding if _RULE_ID.fullmatch(finding) else None,
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


def finding_choices(rules: Iterable[str], asked: str | None) -> list[str | None]:
    """The finding filter's options: none, any finding, then each rule (the one asked for included)."""
    listed = [r for r in rules if r != ANY_FINDING]
    if asked and asked != ANY_FINDING and asked not in listed:
        listed.append(asked)
    return [None, ANY_FINDING, *listed]
