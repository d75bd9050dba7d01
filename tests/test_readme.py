"""The README stays true: every command it shows parses with the real command line, every
setting it names exists, every file it points to is in the repository, every `make` target it
names is in the Makefile. (What those commands do is tested where they are built.)"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.env_example import render

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# What the README writes as placeholders, as a reader would fill them in.
PLACEHOLDERS = {"<city>": "karakol", "<district>": "mtu3", "FILE": "out.file"}


def _shell_blocks() -> list[str]:
    return re.findall(r"```(?:sh|bash)\n(.*?)```", README, flags=re.S)


# `citybot` as the command: first on the line, after the venv's bin/, a pipe or VAR=value.
_INVOKED = re.compile(r"(^|\.venv/bin/|\|\s*|^(?:[A-Z_]+=\S+\s+)+)citybot\s")


def readme_commands() -> list[str]:
    """Whole `citybot ...` lines of the README's shell blocks, as written."""
    found = []
    for block in _shell_blocks():
        for line in block.replace("\\\n", " ").splitlines():
            if _INVOKED.search(line.strip()) and not line.lstrip().startswith("#"):
                found.append(line.strip())
    return found


def readme_mentions() -> list[str]:
    """Inline `citybot stats --city <city>`: a command named in a sentence, maybe partly."""
    return [" ".join(span.split()) for span in re.findall(r"`(citybot [^`]+)`", README)]


def argv_of(line: str) -> list[str]:
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    line = re.sub(r"\$\([^)]*\)", "X", line)  # $(date +%F)
    words = shlex.split(line, comments=True)
    if "|" in words:  # echo "..." | citybot classify ...
        words = words[words.index("|") + 1 :]
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):  # VAR=value citybot ...
        words.pop(0)
    assert words and words[0].endswith("citybot"), line
    return words[1:]


SETTING = r"(?:CITYBOT|TELEGRAM|TWILIO)_[A-Z0-9_]+"
COMMANDS = readme_commands()
MENTIONS = readme_mentions()


def test_the_readme_shows_the_main_commands() -> None:
    shown = {argv_of(line)[0] for line in COMMANDS}
    assert {"run", "chat", "check", "stats", "backup", "summary", "export", "announce"} <= shown


@pytest.mark.parametrize("line", COMMANDS)
def test_every_command_in_the_readme_parses(line: str) -> None:
    try:
        _parser().parse_args(argv_of(line))
    except SystemExit as exc:  # argparse: an unknown command or flag, a missing one
        if exc.code != 0:  # --help
            raise AssertionError(f"README shows a command the CLI refuses: {line}") from exc


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("line", MENTIONS)
def test_every_command_a_sentence_names_exists_with_its_flags(line: str) -> None:
    argv = argv_of(line)
    commands = _subcommands()
    assert argv[0] in commands, f"README names `citybot {argv[0]}`, which does not exist"
    flags = {o for a in commands[argv[0]]._actions for o in a.option_strings}
    for word in argv[1:]:
        if word.startswith("--"):
            assert word.split("=")[0] in flags, f"README: {line}: no such flag {word}"


def test_every_setting_the_readme_names_exists() -> None:
    known = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", render(), flags=re.M))
    # Variables of the tests and benchmarks themselves (e.g. where PostgreSQL's binaries are).
    for folder in ("tests", "bench"):
        for path in (ROOT / folder).glob("*.py"):
            known |= set(
                re.findall(r"[\"']((?:CITYBOT|TELEGRAM|TWILIO)_[A-Z0-9_]+)[\"']", path.read_text())
            )
    named = set(re.findall(rf"\b({SETTING})\b", README))
    assert named, "the README names no setting?"
    assert named <= known, f"the README names settings that do not exist: {named - known}"


def test_every_file_the_readme_points_to_exists() -> None:
    paths = set(re.findall(r"`((?:deploy|docs|bench|cities|tests|\.ci)/[\w./-]+)`", README))
    paths |= set(re.findall(r"\]\(((?:docs|deploy)/[^)\s]+)\)", README))  # images and links
    for name in ("Dockerfile", "compose.yaml", "requirements.lock", ".env.example"):
        if name in README:
            paths.add(name)
    missing = sorted(p for p in paths if not (ROOT / p).exists() and "<" not in p)
    assert not missing, f"the README points to files that are not here: {missing}"


def test_every_make_target_the_readme_names_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    named = set(re.findall(r"`make ([a-z][\w-]*)", README))
    named |= {
        m for block in _shell_blocks() for m in re.findall(r"^make ([a-z][\w-]*)", block, re.M)
    }
    assert {"run", "test"} <= named
    assert named <= targets, f"the README names make targets that do not exist: {named - targets}"


def test_the_readme_starts_with_the_two_commands() -> None:
    first = _shell_blocks()[0].split()
    assert first[:2] == ["make", "run"] and "make" in first[2:] and "test" in first[2:]
