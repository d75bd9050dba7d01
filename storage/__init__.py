"""Persistence behind a small async repository interface (SQLite by default)."""

from storage.base import (
    DuplicateUpdate,
    Loaded,
    ResidentRecord,
    ResidentRef,
    Store,
    StoreError,
    VersionConflict,
)

__all__ = [
    "DuplicateUpdate",
    "Loaded",
    "ResidentRecord",
    "ResidentRef",
    "Store",
    "StoreError",
    "VersionConflict",
]
