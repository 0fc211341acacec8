"""SELECTs on the login path, compiled once and run without SQLAlchemy's per-statement work.

Executing a Core statement costs ~80 us of Python on top of SQLite's few microseconds (cache
lookup, parameter processing, result wrapping); a login reads four statements. On the SQLite
thread a `PreparedSelect` hands its compiled SQL straight to the DBAPI cursor; on PostgreSQL
it runs as an ordinary statement. Either way the rows are named tuples (attributes by column
label, or by position), so only statements whose columns need no result processing
(integers, text) belong here.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from msnp.store.sqlite_thread import SyncConnectionShim


class PreparedSelect:
    """A SELECT with named bind parameters; `await rows(conn, name=value)`."""

    __slots__ = ("_defaults", "_make", "_order", "_sql", "statement")

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=sqlite.dialect())
        self._sql = str(compiled)
        self._order: tuple[str, ...] = tuple(compiled.positiontup or ())
        # Literals the statement binds itself (e.g. `lists != 0`) keep their values.
        self._defaults: dict[str, Any] = dict(compiled.params)
        row_type = namedtuple("Row", list(statement.selected_columns.keys()))  # type: ignore[misc]
        self._make: Callable[[Iterable[Any]], Any] = row_type._make

    async def rows(self, conn: AsyncConnection, **params: Any) -> list[Any]:
        """Every row, each a named tuple."""
        if isinstance(conn, SyncConnectionShim):
            found = conn.driver_rows(self._sql, self._positional(params))
        else:
            found = (await conn.execute(self.statement, params)).all()
        return list(map(self._make, found))

    async def first(self, conn: AsyncConnection, **params: Any) -> Any:
        """The first row, or None."""
        found = await self.rows(conn, **params)
        return found[0] if found else None

    def _positional(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = self._defaults | dict(params)
        return tuple(values[name] for name in self._order)
