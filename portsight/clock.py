"""One place for 'now', in UTC, so tests and the simulator can move time."""

from __future__ import annotations

from datetime import UTC, datetime

# China time: every port keeps it, and "today" on the board and in statistics is a day in it.
LOCAL_TZ = "Asia/Shanghai"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
