"""Many rows into one table at once, column by column, straight to the driver.

SQLAlchemy's executemany builds a parameter dict for every row and runs every value through its type's bind
processor one by one; for tens of thousands of rows (the demo seed, the rollups) that is most of the insert's
cost. Here each column is converted at once and the rows go to the driver as they are: in the statement's
parameter order (SQLite) or as dicts (psycopg).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

BATCH = 5000

# What turns one column's values into the driver's (a list), or None when they go as they are.
Converter = Callable[[Sequence[Any]], list] | None


def bind_converter(table: Table, column: str, conn: Connection) -> Converter:
    """The column's own bind processor applied to each value (None when its type has none)."""
    processor = table.c[column].type._cached_bind_processor(conn.dialect)
    if processor is None:
        return None
    return lambda values: list(map(processor, values))


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    converters: Mapping[str, Converter] | None = None,
) -> None:
    """Insert rows given column by column (values[i] holds the values of columns[i], as many in each).

    Each column goes through converters[column] when given (None: as it is), else its bind processor.
    """
    if not values or not values[0]:
        return
    columns = tuple(columns)
    sql, names, keys = _statement(table, columns, conn.dialect)
    index = [columns.index(c) for c in names]
    convert = [converters[c] if converters is not None and c in converters else bind_converter(table, c, conn)
               for c in names]  # fmt: skip
    for i in range(0, len(values[0]), BATCH):
        ordered = [values[j][i : i + BATCH] if p is None else p(values[j][i : i + BATCH])
                   for j, p in zip(index, convert, strict=True)]  # fmt: skip
        if keys is None:
            conn.exec_driver_sql(sql, list(zip(*ordered, strict=True)))
        else:
            conn.exec_driver_sql(sql, [dict(zip(keys, row, strict=True)) for row in zip(*ordered, strict=True)])


@lru_cache(maxsize=512)  # per engine (its dialect), table and columns
def _statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, list[str], list[str] | None]:
    """The INSERT of these columns compiled once for the dialect: its SQL, the columns in the order of its
    parameters, and the parameters' names when it takes a dict (None: a tuple in that order, SQLite)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    escaped = getattr(compiled, "escaped_bind_names", None) or {}
    if compiled.positional:
        unescaped = {v: k for k, v in escaped.items()}
        assert compiled.positiontup is not None  # a positional compile lists its parameters in order
        return str(compiled), [unescaped.get(n, n) for n in compiled.positiontup], None
    return str(compiled), list(columns), [escaped.get(c, c) for c in columns]
