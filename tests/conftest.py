"""Shared fixtures: databases on SQLite and PostgreSQL, fast password hashing, services.

Storage fixtures are parametrized over both backends. PostgreSQL is the server at
MSNP_TEST_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test, then the
same as user `root`); one database is created from it per test session and dropped at the
end. When it cannot be reached its tests are skipped, unless MSNP_REQUIRE_POSTGRES=1, which
makes them fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from msnp.config import Config, DatabaseConfig, PasswordConfig
from msnp.services.accounts import AccountService
from msnp.services.lists import ListService
from msnp.services.passwords import PasswordHasher
from msnp.store.database import Database
from msnp.store.tables import metadata

POSTGRES_URL_ENV = "MSNP_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "MSNP_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URLS = (
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    "postgresql+asyncpg://root@127.0.0.1:5432/test",
)
#: Cheap argon2id parameters: hashing in tests must take about a millisecond.
FAST_PASSWORDS = PasswordConfig(time_cost=1, memory_cost=1024, parallelism=1, hash_threads=2)

T = TypeVar("T")

BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


def _connect_args(url: URL) -> dict[str, object]:
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username,
        "password": url.password,
        "database": url.database,
        "timeout": 5,
    }


async def _create_database(base: URL, name: str) -> None:
    conn = await asyncpg.connect(**_connect_args(base))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(base: URL, name: str) -> None:
    conn = await asyncpg.connect(**_connect_args(base))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop in another thread, so it works even
    when the caller is inside pytest-asyncio's running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _migrate(url: str) -> None:
    db = await Database.open(url)
    try:
        await db.upgrade()
    finally:
        await db.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL database made for this session, migrated to the newest schema.
    Skips (or fails under MSNP_REQUIRE_POSTGRES=1) when no server can be reached."""
    override = os.environ.get(POSTGRES_URL_ENV)
    candidates = (override,) if override else DEFAULT_POSTGRES_URLS
    name = f"msnp_test_{os.getpid()}_{secrets.token_hex(4)}"
    errors: list[str] = []
    for candidate in candidates:
        base = make_url(candidate)
        try:
            _run(_create_database(base, name))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            errors.append(f"{base.render_as_string(hide_password=True)}: {exc}")
            continue
        url = base.set(drivername="postgresql+asyncpg", database=name)
        rendered = url.render_as_string(hide_password=False)
        try:
            _run(_migrate(rendered))
            yield rendered
        finally:
            _run(_drop_database(base, name))
        return
    reason = "PostgreSQL unavailable: " + "; ".join(errors)
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


async def _empty(url: str) -> None:
    conn = await asyncpg.connect(**_connect_args(make_url(url)))
    try:
        # DELETE, not TRUNCATE: on a few rows it takes a millisecond instead of tens.
        for table in reversed(metadata.sorted_tables):
            await conn.execute(f'DELETE FROM "{table.name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file; tests get copies (much cheaper than migrating each)."""
    path = tmp_path_factory.mktemp("template") / "msnp.sqlite3"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database at the newest schema, once per backend: a SQLite file of
    this test's own, or the session's PostgreSQL database with every row deleted."""
    if request.param == "sqlite":
        path = tmp_path / "db" / "msnp.sqlite3"
        path.parent.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _run(_empty(url))
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An open, migrated, empty Database on each backend."""
    db = await Database.open(database_url)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def password_config() -> PasswordConfig:
    return FAST_PASSWORDS


@pytest.fixture
async def password_hasher(password_config: PasswordConfig) -> AsyncIterator[PasswordHasher]:
    hasher = PasswordHasher(password_config)
    try:
        yield hasher
    finally:
        await hasher.close()


@pytest.fixture
def accounts(database: Database, password_hasher: PasswordHasher) -> AccountService:
    return AccountService(database, password_hasher)


@pytest.fixture
def lists(database: Database) -> ListService:
    return ListService(database)


@pytest.fixture
def service_config(tmp_path: Path, database_url: str, password_config: PasswordConfig) -> Config:
    """A Config for a whole service in tmp_path, on each database backend, fast passwords."""
    config = Config().with_data_dir(tmp_path / "data")
    return replace(config, database=DatabaseConfig(url=database_url), passwords=password_config)
