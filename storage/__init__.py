"""Persistence behind a small async repository interface (SQLite by default)."""

from storage.base import Loaded, ResidentRecord, ResidentRef, Store

__all__ = ["Loaded", "ResidentRecord", "ResidentRef", "Store"]
