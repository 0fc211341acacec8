"""SQLite transactions run whole on one dedicated thread.

aiosqlite hands every statement to its thread and back; on a small machine each hand-off
costs 150-300 us, several per statement, so a four-query read took ~14 ms. Here a unit of
work (an `async def work(conn)` written against AsyncConnection) is driven to completion on
the database thread with a synchronous connection behind the same `await conn.execute(...)`
interface: one hand-off per transaction, and the event loop never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from queue import SimpleQueue
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import StaticPool

T = TypeVar("T")

WRITE_OPTION = "msnp_write"


class SyncConnectionShim:
    """The part of AsyncConnection that units of work use, over a sync Connection."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def driver_rows(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Compiled SQL run on the DBAPI connection itself, inside the same transaction
        (see prepared.py)."""
        dbapi = self._conn.connection.dbapi_connection
        assert dbapi is not None
        rows: list[tuple[Any, ...]] = dbapi.execute(sql, parameters).fetchall()
        return rows

    @property
    def dialect(self) -> Any:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        return self._conn.execute(statement, parameters, **kwargs)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        return self._conn.exec_driver_sql(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.scalar(statement, parameters)

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self._conn, *args)


def _drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never really suspends (it only awaits the connection)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a database unit of work awaited something other than its connection")


def install_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of both
        # reading, then one failing to upgrade its lock (a lost or refused update).
        # On the DBAPI cursor: through exec_driver_sql this cost more than a login's reads.
        statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()


class SqliteThread:
    """One thread, one connection: SQLite allows one writer anyway, and reads on a local
    file take microseconds once the hand-offs are gone. Jobs go in through a queue and
    results come back with one `call_soon_threadsafe` (run_in_executor's futures and
    conditions cost more than a login's reads)."""

    def __init__(self, url: URL, busy_timeout_ms: int) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite"),
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        install_hooks(self._engine, busy_timeout_ms)
        self._jobs: SimpleQueue[_Job[Any] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="msnp-sqlite", daemon=True)
        self._thread.start()

    def submit(
        self, work: Callable[[AsyncConnection], Awaitable[T]], write: bool, attempts: int
    ) -> asyncio.Future[T]:
        """Queue one unit of work; the future resolves on the calling loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(loop, future, work, write, attempts))
        return future

    def close(self) -> None:
        """Finish the queued jobs, then close the connection (blocks: call off the loop)."""
        self._jobs.put(None)
        self._thread.join()
        self._engine.dispose()

    # ---- on the database thread -------------------------------------------------------
    def _serve(self) -> None:
        conn: Connection | None = None
        while (job := self._jobs.get()) is not None:
            try:
                if conn is None:
                    conn = self._engine.connect()
                result = self._run(conn, job.work, job.write, job.attempts)
            except BaseException as exc:  # handed to the awaiting coroutine
                if conn is not None and conn.invalidated:
                    conn.close()
                    conn = None
                job.settle(None, exc)
            else:
                job.settle(result, None)
        if conn is not None:
            conn.close()

    @staticmethod
    def _run(
        conn: Connection,
        work: Callable[[AsyncConnection], Awaitable[T]],
        write: bool,
        attempts: int,
    ) -> T:
        """One transaction, retried while another process (the `msnp user` CLI, say) holds
        the database locked."""
        for attempt in range(1, attempts + 1):
            try:
                conn.execution_options(**{WRITE_OPTION: write})
                with conn.begin():
                    shim = cast(AsyncConnection, SyncConnectionShim(conn))
                    return _drive(cast(Coroutine[Any, Any, T], work(shim)))
            except DBAPIError as exc:
                message = str(exc.orig).lower()
                transient = "database is locked" in message or "database is busy" in message
                if attempt == attempts or not transient:
                    raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")


class _Job(Generic[T]):
    __slots__ = ("attempts", "future", "loop", "work", "write")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[T],
        work: Callable[[AsyncConnection], Awaitable[T]],
        write: bool,
        attempts: int,
    ) -> None:
        self.loop, self.future, self.work = loop, future, work
        self.write, self.attempts = write, attempts

    def settle(self, result: T | None, exc: BaseException | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self._resolve, result, exc)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            pass

    def _resolve(self, result: T | None, exc: BaseException | None) -> None:
        if self.future.cancelled():
            return
        if exc is not None:
            self.future.set_exception(exc)
        else:
            self.future.set_result(cast(T, result))
