"""Persistence behind a small async repository interface (SQLite by default)."""

from storage.base import (
    ANY,
    DuplicateUpdate,
    Loaded,
    ResidentRecord,
    ResidentRef,
    StaleState,
    Store,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)

__all__ = [
    "ANY",
    "DuplicateUpdate",
    "Loaded",
    "ResidentRecord",
    "ResidentRef",
    "StaleState",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
]
