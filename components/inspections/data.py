"""The inspections page's cached readers: the filtered list, its exports, one inspection's record.

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port), a
filter an InspectionFilter (a frozen dataclass; filter_of builds one from widget values).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine, get_settings, load_ports, scope_set
from components.shell.state import Scope
from portsight.documents.cells import frame_csv_bytes, frame_xlsx_bytes
from portsight.queries import inspection_record as record_queries
from portsight.queries import inspections as inspection_queries

__all__ = [
    "filter_of",
    "load_export",
    "load_inspection_record",
    "load_inspections",
    "load_inspectors",
    "load_ports",
    "media_dir",
]


@st.cache_data(ttl=10, max_entries=256, show_spinner=False)
def load_inspections(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    engine = get_engine()
    page = inspection_queries.search_inspections(
        engine, scope_set(scope), flt, sort=sort, descending=descending, limit=limit, offset=offset
    )
    return page.rows, inspection_queries.count_inspections(engine, scope_set(scope), flt)


@st.cache_data(ttl=30, max_entries=32, show_spinner=False)
def load_export(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, kind: str
) -> bytes:
    df = inspection_queries.export_inspections(get_engine(), scope_set(scope), flt, sort=sort, descending=descending)
    return frame_xlsx_bytes(df, "inspections") if kind == "xlsx" else frame_csv_bytes(df)  # formulas as text


@st.cache_data(ttl=10, max_entries=64, show_spinner=False)
def load_inspection_record(scope: Scope, inspection_id: int) -> dict:
    return record_queries.inspection_record(get_engine(), scope_set(scope), inspection_id)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def load_inspectors(scope: Scope) -> list[dict]:
    return inspection_queries.inspectors_in_scope(get_engine(), scope_set(scope))


def media_dir() -> Path:
    return get_settings().media_dir


def filter_of(**values) -> inspection_queries.InspectionFilter:
    """An InspectionFilter from widget values (dates as date, empty strings as None)."""
    clean = {k: (v or None) if isinstance(v, str) else v for k, v in values.items()}
    for key in ("date_from", "date_to"):
        if clean.get(key) is not None and not isinstance(clean[key], date):
            clean[key] = None
    clean["states"] = tuple(clean.get("states") or ())
    return inspection_queries.InspectionFilter(**clean)
