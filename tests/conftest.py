"""Shared fixtures: the bundled cities as a World (all three, or one fixed city)."""

from __future__ import annotations

import pytest

from bot.config import load_world
from flows.world import World
from tests.postgres_server import postgres_dsn, postgres_server  # noqa: F401  (fixtures)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-transcripts",
        action="store_true",
        help="rewrite tests/transcripts/*.txt from what the flows say now (then read the diff)",
    )


@pytest.fixture(scope="session")
def world() -> World:
    return load_world()


@pytest.fixture(scope="session")
def karakol() -> World:
    return load_world(fixed_city="karakol")
