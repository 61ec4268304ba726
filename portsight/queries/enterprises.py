"""Enterprise names for display: the registered (Chinese) name and, where there is one, the English name."""

from __future__ import annotations

from sqlalchemy import select

from portsight.db.models import Enterprise
from portsight.db.session import Database
from portsight.db.sql import connection


def english_names(db: Database) -> dict[str, str]:
    """Registered name -> English name, for the enterprises that have one (pages showing a name
    read by query columns map it for an English reader)."""
    with connection(db) as conn:
        rows = conn.execute(select(Enterprise.name, Enterprise.name_en).where(Enterprise.name_en.is_not(None)))
        return {name: name_en for name, name_en in rows if name_en and name_en.strip()}
