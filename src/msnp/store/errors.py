"""Errors the store raises to its callers (services and the CLI)."""

from __future__ import annotations


class StoreError(Exception):
    """A storage failure with a one-line message fit for an operator."""


class DatabaseUnavailable(StoreError):
    """The configured database cannot be opened: unreachable, missing, or refused."""
