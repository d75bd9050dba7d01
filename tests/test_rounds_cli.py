"""`citybot round open|close|list`: the real command, through the operator pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.rounds import OpenRound
from flows.session import Conversation, SaveAnswer, Step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.storage_helpers import answer
from tests.test_cli_and_config import run

OPEN = [
    "round", "open", "--city", "karakol",
    "--title-ru", "Бюджет 2099", "--title-ky", "2099-жылдын бюджети",
    "--starts", "01.05.2099", "--ends", "30.06.2099",
]  # fmt: skip


def _karakol_days(since: datetime) -> set[str]:
    """Karakol's day (DD.MM.YYYY) from `since` to now: both if its midnight passed between."""
    zone = ZoneInfo("Asia/Bishkek")
    return {moment.astimezone(zone).strftime("%d.%m.%Y") for moment in (since, datetime.now(UTC))}


def test_open_list_close_and_one_open_round_at_a_time(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    began = datetime.now(UTC)
    opened = run(OPEN, CITYBOT_DATABASE=db)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == (
        "round 1 of karakol opened: 'Бюджет 2099' / '2099-жылдын бюджети',"
        " 01.05.2099 - 30.06.2099 (Asia/Bishkek)\n"
    )
    again = run([*OPEN[:-4], "--starts", "01.07.2099", "--ends", "30.07.2099"], CITYBOT_DATABASE=db)
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr == (
        "citybot: karakol already has an open round ('Бюджет 2099'): close it first with"
        " `citybot round close --city karakol`\n"
    )
    other = run([*OPEN[:3], "manas", *OPEN[4:]], CITYBOT_DATABASE=db)
    assert other.returncode == 0 and "round 2 of manas opened" in other.stdout

    listed = run(["round", "list", "--city", "karakol", "--json"], CITYBOT_DATABASE=db)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["opened"][:10] in _karakol_days(began), "opened shown in the city's time zone"
    assert {k: row[k] for k in ("id", "state", "starts", "ends", "closed", "timezone")} == {
        "id": 1,
        "state": "open",
        "starts": "01.05.2099",
        "ends": "30.06.2099",
        "closed": None,
        "timezone": "Asia/Bishkek",
    }
    assert (row["title_ru"], row["title_ky"]) == ("Бюджет 2099", "2099-жылдын бюджети")

    closing = datetime.now(UTC)
    closed = run(["round", "close", "--city", "karakol"], CITYBOT_DATABASE=db)
    assert closed.returncode == 0, closed.stderr
    said = "round 1 of karakol ('Бюджет 2099') closed at "
    assert closed.stdout.startswith(said), closed.stdout
    day = closed.stdout[len(said) : len(said) + 10]
    assert day in _karakol_days(closing) and closed.stdout[len(said) + 10] == " "
    nothing = run(["round", "close", "--city", "karakol"], CITYBOT_DATABASE=db)
    assert nothing.returncode == 1 and "karakol has no open round to close" in nothing.stderr
    reopened = run(
        [*OPEN[:-4], "--starts", "01.07.2099", "--ends", "30.07.2099"], CITYBOT_DATABASE=db
    )
    assert reopened.returncode == 0 and "round 3 of karakol opened" in reopened.stdout

    table = run(["round", "list"], CITYBOT_DATABASE=db)
    lines = table.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["3", "karakol", "open"],
        ["2", "manas", "open"],
        ["1", "karakol", "closed"],
    ]
    assert f"closed {day}" in lines[2] and "(Asia/Bishkek)" not in lines[2]


async def test_reports_follow_the_round_opened_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    ana = ResidentRef("tg", "3001")
    async with SqliteStore(db) as store:
        done = Conversation(step=Step.DONE, city="karakol")
        await store.commit(ana, done, [SaveAnswer(answer(1, "karakol", "mtu1"))])
        assert (await store.tallies("karakol"))["mtu1"].respondents == 1
    assert run(OPEN, CITYBOT_DATABASE=str(db)).returncode == 0  # begins in 2099
    async with SqliteStore(db) as store:
        assert (await store.tallies("karakol"))["mtu1"].respondents == 1, "not begun: round 0"
        assert (await store.load(ana)).session.answer == answer(1, "karakol", "mtu1")
    assert run(["round", "close", "--city", "karakol"], CITYBOT_DATABASE=str(db)).returncode == 0
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Bishkek")).strftime("%d.%m.%Y")
    now_open = [*OPEN[:-4], "--starts", today, "--ends", "31.12.2099"]
    assert run(now_open, CITYBOT_DATABASE=str(db)).returncode == 0
    async with SqliteStore(db) as store:
        assert await store.tallies("karakol") == {}, "the new round has no answers yet"
        assert (await store.tallies("karakol", round_id=0))["mtu1"].respondents == 1
        session = (await store.load(ana)).session
        assert session.answer is None and session.previous == answer(1, "karakol", "mtu1")


def test_bad_input_is_refused_with_what_to_do(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    cases = {
        "--starts: expected DD.MM.YYYY, got '31.02.2099'": ["--starts", "31.02.2099"],
        "--ends is before --starts": ["--ends", "30.04.2099"],
        "the round would be over already (--ends 01.01.2020 has passed": [
            "--starts", "01.12.2019", "--ends", "01.01.2020",
        ],
        "missing the title in ky": ["--title-ky", "  "],
    }  # fmt: skip
    for expected, change in cases.items():
        args = list(OPEN)
        for flag, value in zip(change[::2], change[1::2], strict=True):
            args[args.index(flag) + 1] = value
        refused = run(args, CITYBOT_DATABASE=db)
        assert refused.returncode == 2 and expected in refused.stderr, (expected, refused.stderr)
    unknown = run([*OPEN[:3], "atlantis", *OPEN[4:]], CITYBOT_DATABASE=db)
    assert unknown.returncode == 2 and "unknown city 'atlantis'" in unknown.stderr
    empty = run(["round", "list"], CITYBOT_DATABASE=db)
    assert empty.returncode == 0 and empty.stdout == "no survey rounds yet\n"


async def test_compare_says_what_rose_and_what_fell(tmp_path: Path) -> None:
    """Round 0 (before rounds) against round 1: shares of each round's respondents."""
    db = tmp_path / "db.sqlite3"
    begun = datetime.now(UTC) - timedelta(days=1)
    opened = OpenRound("karakol", "Бюджет", "Бюджет", "2026-01-01", "2099-12-31", begun)
    async with SqliteStore(db) as store:
        for n in range(10):  # before rounds: roads for all, water for three in ten
            named = ("roads", "drinking_water") if n < 3 else ("roads",)
            await store.commit(
                ResidentRef("tg", str(5000 + n)),
                Conversation(step=Step.DONE, city="karakol"),
                [SaveAnswer(answer(1, "karakol", "mtu1", named))],
            )
        (round_id,) = await store.commit_operator("cli:op", [opened])
        for n in range(10):  # the new round: water for all, roads for two in ten
            named = ("drinking_water", "roads") if n < 2 else ("drinking_water",)
            in_round = answer(2, "karakol", "mtu1", named).model_copy(update={"round": round_id})
            await store.commit(
                ResidentRef("tg", str(5000 + n)),
                Conversation(step=Step.DONE, city="karakol"),
                [SaveAnswer(in_round)],
            )
    result = run(["round", "compare", "--city", "karakol", "--json"], CITYBOT_DATABASE=str(db))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["from"] == {"round": 0, "respondents": 10}
    assert report["to"] == {"round": round_id, "respondents": 10}
    (rose,) = report["rose"]
    (fell,) = report["fell"]
    assert (rose["category"], rose["points"], rose["significant"]) == ("drinking_water", 70.0, True)
    assert (fell["category"], fell["points"], fell["significant"]) == ("roads", -80.0, True)
    assert rose["before"] == {"count": 3, "share": 0.3} and rose["label"] == "Питьевая вода"
    text = run(["round", "compare", "--city", "karakol"], CITYBOT_DATABASE=str(db)).stdout
    assert "rose:\n *  +70.0  Питьевая вода: 30% -> 100%" in text
    bad = run(["round", "compare", "--city", "karakol", "--to", "7"], CITYBOT_DATABASE=str(db))
    assert bad.returncode == 2 and "--to 7: not a round of this city" in bad.stderr
    for wrong in (["--from", str(round_id), "--to", "0"], ["--from", "0", "--to", "0"]):
        same = run(["round", "compare", "--city", "karakol", *wrong], CITYBOT_DATABASE=str(db))
        assert same.returncode == 2 and "must be a round that began before" in same.stderr


async def test_a_round_nobody_answered_yet_compares_to_nothing(tmp_path: Path) -> None:
    """A new round's first minutes: not "every problem fell by its whole share"."""
    db = tmp_path / "db.sqlite3"
    begun = datetime.now(UTC) - timedelta(minutes=5)
    opened = OpenRound("karakol", "Бюджет", "Бюджет", "2026-01-01", "2099-12-31", begun)
    async with SqliteStore(db) as store:
        await store.commit(
            ResidentRef("tg", "5100"),
            Conversation(step=Step.DONE, city="karakol"),
            [SaveAnswer(answer(1, "karakol", "mtu1", ("roads",)))],
        )
        await store.commit_operator("cli:op", [opened])
    compare = ["round", "compare", "--city", "karakol"]
    report = json.loads(run([*compare, "--json"], CITYBOT_DATABASE=str(db)).stdout)
    assert report["to"]["respondents"] == 0 and report["rose"] == report["fell"] == []
    text = run(compare, CITYBOT_DATABASE=str(db))
    assert text.returncode == 0 and "has no answers yet: nothing to compare" in text.stdout


async def test_the_summary_names_the_round_its_figures_belong_to(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    summary = ["summary", "--city", "karakol"]
    async with SqliteStore(db) as store:
        done = Conversation(step=Step.DONE, city="karakol")
        await store.commit(ResidentRef("tg", "3002"), done, [SaveAnswer(answer(1, "karakol"))])
    before = run([*summary, "--json"], CITYBOT_DATABASE=str(db))
    assert json.loads(before.stdout)["round"] is None
    assert "Этап" not in run(summary, CITYBOT_DATABASE=str(db)).stdout
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Bishkek")).strftime("%d.%m.%Y")
    now_open = [*OPEN[:-4], "--starts", today, "--ends", "31.12.2099"]
    assert run(now_open, CITYBOT_DATABASE=str(db)).returncode == 0
    shown = json.loads(run([*summary, "--json"], CITYBOT_DATABASE=str(db)).stdout)
    assert shown["respondents"] == 0, "the new round's figures, not round 0's"
    assert shown["round"]["title_ru"] == "Бюджет 2099" and shown["round"]["state"] == "open"
    assert shown["round"]["ends_on"] == "2099-12-31"
    ru = run(summary, CITYBOT_DATABASE=str(db)).stdout
    ky = run([*summary, "--lang", "ky"], CITYBOT_DATABASE=str(db)).stdout
    assert f"Этап «Бюджет 2099», {today} — 31.12.2099" in ru
    assert f"«2099-жылдын бюджети» этабы, {today} — 31.12.2099" in ky


async def test_summary_and_export_of_one_round(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    db = tmp_path / "db.sqlite3"
    async with SqliteStore(db) as store:
        done = Conversation(step=Step.DONE, city="karakol")
        await store.commit(ResidentRef("tg", "3003"), done, [SaveAnswer(answer(1, "karakol"))])
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Bishkek")).strftime("%d.%m.%Y")
    now_open = [*OPEN[:-4], "--starts", today, "--ends", "31.12.2099"]
    assert run(now_open, CITYBOT_DATABASE=str(db)).returncode == 0
    env = {"CITYBOT_DATABASE": str(db)}
    summary = ["summary", "--city", "karakol", "--json"]
    assert json.loads(run(summary, **env).stdout)["respondents"] == 0
    earlier = json.loads(run([*summary, "--round", "0"], **env).stdout)
    assert earlier["respondents"] == 1 and earlier["round"] is None
    wrong = run([*summary, "--round", "9"], **env)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr == (
        "citybot: karakol has no round 9: use one of 0, 1 (0: answers from before rounds;"
        " `citybot round list` shows them)\n"
    )
    for round_args, items, title in (([], 0, "Бюджет 2099"), (["--round", "0"], 3, None)):
        out = tmp_path / f"r{len(round_args)}.xlsx"
        made = run(["export", "--city", "karakol", "--out", str(out), *round_args], **env)
        assert made.returncode == 0, made.stderr
        assert f"{items} answer items" in made.stderr
        cells = [
            c for row in load_workbook(out).worksheets[0].iter_rows(values_only=True) for c in row
        ]
        shown = [c for c in cells if isinstance(c, str) and "Бюджет 2099" in c]
        assert bool(shown) == (title is not None), cells[:12]


def test_list_and_compare_refuse_an_unknown_city_and_a_missing_database(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.sqlite3")
    unknown = run(["round", "list", "--city", "atlantis"], CITYBOT_DATABASE=missing)
    assert unknown.returncode == 2 and "unknown city 'atlantis'" in unknown.stderr
    nodb = run(["round", "compare", "--city", "karakol"], CITYBOT_DATABASE=missing)
    assert nodb.returncode == 2 and nodb.stdout == "" and "no database at" in nodb.stderr
    assert not Path(missing).exists(), "a read-only command creates no database"
