"""SQL storage: SQLite (WAL) by default, PostgreSQL for production and several nodes."""

from msnp.store.database import Database
from msnp.store.errors import DatabaseUnavailable, StoreError

__all__ = ["Database", "DatabaseUnavailable", "StoreError"]
