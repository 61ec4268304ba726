"""Read side for pages: select() with bound parameters, aggregation in the database.

Each module serves one page or area (home.py, rules.py, ...). Functions take a Database
(Engine or Connection) and a port scope (a frozenset of port ids, or None for every port) and
return plain rows or DataFrames. The SQL helpers they share live in portsight.db.sql.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portsight.db.models import Port
from portsight.db.session import Database
from portsight.db.sql import in_scope, records


def ports_in_scope(db: Database, port_ids: Iterable[int] | None) -> list[dict]:
    """Ports the scope covers, ordered by code: [{'id', 'code', 'name_en', 'name_zh'}]."""
    stmt = select(Port.id, Port.code, Port.name_en, Port.name_zh).where(in_scope(Port.id, port_ids)).order_by(Port.code)
    return records(db, stmt)
