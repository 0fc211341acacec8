"""The database handle: one async engine (SQLite via aiosqlite, PostgreSQL via asyncpg) and
the transaction helpers every service uses.

Writers are serialized per row on PostgreSQL (callers lock account rows with
`SELECT ... FOR UPDATE` or an `UPDATE ... RETURNING`) and per database on SQLite (every write
transaction starts with `BEGIN IMMEDIATE`). Deadlocks, serialization failures and
"database is locked" are retried by `Database.write`, so callers write plain transactions.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from msnp.store.errors import DatabaseUnavailable
from msnp.store.sqlite_thread import WRITE_OPTION, SqliteThread, install_hooks

T = TypeVar("T")

_SQLITE_BUSY_TIMEOUT_MS = 10_000
_CONNECT_TIMEOUT = 10.0  # seconds to reach PostgreSQL before giving up
# PostgreSQL SQLSTATEs worth retrying: serialization_failure, deadlock_detected.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})
_WRITE_OPTION = WRITE_OPTION


def normalize_url(url: str) -> URL:
    """Pick the async driver for plain `sqlite://` and `postgresql://` URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"invalid database URL {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise DatabaseUnavailable(f"unsupported database {backend!r}: use sqlite or postgresql")


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    """The driver's own message, on one line, without SQLAlchemy's background links."""
    orig = getattr(exc, "orig", None) or exc
    message = str(orig).strip() or type(orig).__name__
    if isinstance(orig, TimeoutError):
        message = "timed out"
    return " ".join(message.split())


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    install_hooks(engine.sync_engine, _SQLITE_BUSY_TIMEOUT_MS)


class Database:
    """An open database. Create with `await Database.open(url)`; close with `close()`."""

    def __init__(self, engine: AsyncEngine, url: URL) -> None:
        self._engine = engine
        self._url = url
        # SQLite has one writer at a time anyway; queueing this process's writers here is
        # fair and cheaper than SQLite's busy-wait polling (which still covers other processes).
        self._sqlite_writer = asyncio.Lock()
        # Units of work on SQLite run whole on one thread (see sqlite_thread.py).
        self._sqlite: SqliteThread | None = None
        if url.get_backend_name() == "sqlite":
            self._sqlite = SqliteThread(url, _SQLITE_BUSY_TIMEOUT_MS)
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> Database:
        """Connect (creating a SQLite file and its directory if needed) and check that the
        database answers. Raises DatabaseUnavailable with a one-line reason."""
        parsed = normalize_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                try:
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"cannot create the directory for {database}: {exc.strerror}"
                    ) from None
        else:
            kwargs["pool_size"] = pool_size
            kwargs["connect_args"] = {"timeout": _CONNECT_TIMEOUT}
        engine = create_async_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            _install_sqlite_hooks(engine)
        db = cls(engine, parsed)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            await engine.dispose()
            raise DatabaseUnavailable(
                f"cannot open database {_describe(parsed)}: {_reason(exc)}"
            ) from None
        return db

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return _describe(self._url)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self._engine.dialect.name

    async def close(self) -> None:
        self._closed = True
        if self._sqlite is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._sqlite.close)
        await self._engine.dispose()

    async def upgrade(self) -> str:
        """Apply every pending migration; returns the revision now current."""
        from msnp.store.migrate import upgrade  # alembic is only loaded when needed

        try:
            return await upgrade(self)
        except (SQLAlchemyError, OSError) as exc:
            raise DatabaseUnavailable(
                f"cannot upgrade database {self.url}: {_reason(exc)}"
            ) from None

    async def revision(self) -> str | None:
        """The migration revision the database is at (None before the first upgrade)."""
        from msnp.store.migrate import current_revision

        return await current_revision(self)

    # ---- transactions -----------------------------------------------------------------
    @asynccontextmanager
    async def begin(self, *, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block exits normally. Not retried.

        write=True serializes with other writers on SQLite; write=False gives a consistent
        snapshot (REPEATABLE READ on PostgreSQL, a deferred transaction in WAL on SQLite)."""
        self._check_open()
        if write and self.dialect == "sqlite":
            async with self._sqlite_writer, self._engine.connect() as conn:
                await conn.execution_options(**{_WRITE_OPTION: True})
                async with conn.begin():
                    yield conn
            return
        async with self._engine.connect() as conn:
            if self.dialect == "postgresql" and not write:
                await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield conn

    async def write(
        self, work: Callable[[AsyncConnection], Awaitable[T]], *, attempts: int = 8
    ) -> T:
        """Run `work` in a write transaction, retrying it from the start after a deadlock,
        a serialization failure or a locked SQLite database. `work` must only touch the
        database (it may run more than once) and may raise to roll back."""
        self._check_open()
        if self._sqlite is not None:
            return await self._on_sqlite_thread(work, write=True, attempts=attempts)
        for attempt in range(1, attempts + 1):
            try:
                async with self.begin(write=True) as conn:
                    return await work(conn)
            except DBAPIError as exc:
                if attempt == attempts or not self._is_transient(exc):
                    raise
            # Jittered backoff: the competing transaction usually needs a few milliseconds.
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")

    async def read(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in a read-only snapshot transaction."""
        self._check_open()
        if self._sqlite is not None:
            return await self._on_sqlite_thread(work, write=False, attempts=8)
        async with self.begin(write=False) as conn:
            return await work(conn)

    async def _on_sqlite_thread(
        self, work: Callable[[AsyncConnection], Awaitable[T]], *, write: bool, attempts: int
    ) -> T:
        assert self._sqlite is not None
        return await self._sqlite.submit(work, write, attempts)

    def _check_open(self) -> None:
        # Work queued after close would wait forever on SQLite's stopped thread, and would
        # quietly reconnect on PostgreSQL: both backends refuse it instead.
        if self._closed:
            raise DatabaseUnavailable(f"database {self.url} has been closed")

    def _is_transient(self, exc: DBAPIError) -> bool:
        if self.dialect == "sqlite":
            message = str(exc.orig).lower()
            return "database is locked" in message or "database is busy" in message
        return getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES
