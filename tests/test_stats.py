"""`citybot stats`: what residents answered, as counts per city and channel, never who."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from flows.operator import Announce
from flows.session import Answer, Conversation, Item, SaveAnswer, SetSubscribed, Step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

PEOPLE = {
    # who -> (city, when they answered: days ago, subscribed)
    ResidentRef("tg", "5550001"): ("karakol", 0, True),
    ResidentRef("tg", "5550002"): ("karakol", 0, False),
    ResidentRef("wa", "+996555000003"): ("karakol", 0, True),
    ResidentRef("tg", "5550004"): ("karakol", 20, False),
    ResidentRef("wa", "+996555000005"): ("manas", 0, False),
}
MIDWAY = ResidentRef("wa", "+996555000006")  # chose Karakol, naming problems now


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return cli_env


async def _populate(path: Path) -> None:
    now = datetime.now(UTC)
    for who, (city, days_ago, subscribed) in PEOPLE.items():
        at = now - timedelta(days=days_ago)
        async with SqliteStore(path, clock=lambda at=at: at) as store:
            items = [Item(category="roads"), Item(category="water", text="нет воды")]
            effects = [SaveAnswer(Answer(version=1, city=city, district=None, items=items))]
            await store.commit(who, Conversation(step=Step.DONE, city=city), effects)
            if subscribed:
                await store.commit(who, Conversation(step=Step.DONE), [SetSubscribed(True)])
    async with SqliteStore(path) as store:
        await store.commit(MIDWAY, Conversation(step=Step.PROBLEMS, city="karakol"))
        await store.record_delivery(MIDWAY, "SM0001", "failed", 63016)


async def _announce(path: Path) -> int:
    from bot.config import load_world
    from bot.pipeline import Pipeline

    world = load_world()
    hearing = datetime.now(UTC) + timedelta(days=10)
    texts = {f: {"ru": f"{f} ru", "ky": f"{f} ky"} for f in ("title", "place", "agenda")}
    async with SqliteStore(path) as store:
        ask = Announce(
            city="karakol",
            texts=texts,
            when=hearing.strftime("%d.%m.%Y %H:%M"),
            at=(hearing - timedelta(days=2)).strftime("%d.%m.%Y %H:%M"),
            confirmed=True,
        )
        _, made = await Pipeline(store, world).operator("test", ask)
    return int(made[0])


def _stats(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["stats", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


def test_stats_json_equals_what_was_answered(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "citybot.sqlite3"
    asyncio.run(_populate(path))

    _, out = _stats(capsys, "--json")
    report = json.loads(out)
    assert set(report) == {"generated_at", "cities"}
    karakol = report["cities"]["karakol"]
    assert karakol["answers"] == {
        "today": {"tg": 2, "wa": 1},
        "week": {"tg": 2, "wa": 1},
        "total": {"tg": 3, "wa": 1},
    }
    assert karakol["mid_survey"] == {"wa": 1}
    assert karakol["subscribers"] == {"tg": 1, "wa": 1}
    assert karakol["broadcasts"] == []
    assert karakol["delivery_errors_24h"] == {"63016": 1}
    assert report["cities"]["manas"]["answers"]["total"] == {"wa": 1}
    assert report["cities"]["kara_balta"]["answers"]["total"] == {}
    for who in [*PEOPLE, MIDWAY]:  # counts only: nobody can be told apart
        assert who.external_id not in out

    _, text = _stats(capsys, "--city", "karakol")
    assert "karakol" in text and "manas" not in text
    assert "answers in all" in text and "mid-survey" in text and "63016: 1" in text
    assert all(who.external_id not in text for who in [*PEOPLE, MIDWAY])


def test_stats_lists_broadcasts_with_their_state(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "citybot.sqlite3"
    asyncio.run(_populate(path))
    announcement = asyncio.run(_announce(path))

    _, out = _stats(capsys, "--json", "--city", "karakol")
    report = json.loads(out)
    assert list(report["cities"]) == ["karakol"]
    (listed,) = report["cities"]["karakol"]["broadcasts"]
    assert listed["id"] == announcement
    assert (listed["state"], listed["sent"], listed["failed"], listed["pending"]) == (
        "scheduled",
        0,
        0,
        0,
    )
    assert datetime.fromisoformat(listed["send_at"]) > datetime.now(UTC)


def test_stats_of_an_unknown_city_or_a_missing_database(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--city", "atlantis"]) == 2
    assert "unknown city" in capsys.readouterr().err
    assert main(["stats"]) == 2
    assert "no database" in capsys.readouterr().err
