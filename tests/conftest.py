"""Shared fixtures: the bundled cities as a World (all three, or one fixed city), and a clean
environment for running the `citybot` command in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No .env and no setting from this machine's environment, the working directory a fresh
    folder, CITYBOT_DATABASE a file there (not created yet)."""
    for name in list(os.environ):
        if name.startswith(("CITYBOT_", "TELEGRAM_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITYBOT_DATABASE", str(tmp_path / "citybot.sqlite3"))
    yield monkeypatch
