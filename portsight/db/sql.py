"""SQL helpers shared by the read side and the write side: connections, port scope, day bounds, frames
and rows as dicts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, Select, true

from portsight.clock import LOCAL_TZ, as_utc
from portsight.db.session import Database

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def connection(db: Database) -> Iterator[Connection]:
    """A Connection as is (tests pass one inside a transaction), or a short-lived one from an Engine."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            yield conn
    else:
        yield db


def in_scope(column, port_ids: Iterable[int] | None) -> ColumnElement[bool]:
    """A WHERE clause limiting column (a port id) to the scope; None means every port."""
    if port_ids is None:
        return true()
    return column.in_(sorted(port_ids))


def port_in_scope(port_id: int | None, port_ids: Iterable[int] | None) -> bool:
    """Whether a row already read (its port id) lies in the scope; None means every port."""
    return port_ids is None or port_id in set(port_ids)


def day_bounds(now: datetime, tz: str = LOCAL_TZ) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the local calendar day that contains now."""
    zone = ZoneInfo(tz)
    start = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def frame(db: Database, stmt: Select) -> pd.DataFrame:
    """Run a select and return its rows as a DataFrame with the select's column names."""
    import pandas as pd  # here, not on import: the writes and the seed's processes need none of its 0.5 s

    with connection(db) as conn:
        result = conn.execute(stmt)
        columns = list(result.keys())
        return pd.DataFrame(result.all(), columns=columns)


def records(db: Database, stmt: Select) -> list[dict]:
    """Run a select and return its rows as dicts keyed by the select's column names."""
    with connection(db) as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]


def utc_columns(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The datetime columns made timezone-aware UTC in place (SQLite hands back naive UTC); None stays None."""
    import pandas as pd  # see frame

    for col in columns:
        if col in df.columns and not df.empty:
            df[col] = df[col].map(lambda v: None if v is None or pd.isna(v) else as_utc(v))
    return df
