"""The deployment kit validates without a Docker daemon: Dockerfile lint, compose schema, the
systemd unit (verified, its command run), .env.example as the settings model writes it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.env_example import MEANING, render
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool the dev install brings (never skipped: a missing one fails the run)."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: `make install` installs it (pyproject dev extras)"
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_numeric_non_root_user_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert users and users[-1].isdigit() and users[-1] != "0"
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'VOLUME ["/data"]' in text and "CITYBOT_DATABASE=/data/" in text


def test_compose_matches_the_compose_spec() -> None:
    result = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (ROOT / "compose.yaml").read_text()
    assert "postgres:15" in text and "bot1:" in text and "bot2:" in text
    assert "Caddyfile" in text and (ROOT / "deploy" / "Caddyfile").exists()


def _unit_for_here(tmp_path: Path) -> Path:
    """The unit with its paths pointed at this checkout (the real one names /opt/citybot)."""
    text = (ROOT / "deploy" / "citybot.service").read_text()
    assert "ExecStart=/opt/citybot/.venv/bin/citybot run" in text
    text = text.replace("/opt/citybot/.venv/bin/citybot", str(BIN / "citybot"))
    text = text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/")  # may not exist here
    unit = tmp_path / "citybot.service"
    unit.write_text(text)
    return unit


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", str(_unit_for_here(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_the_units_command_runs_and_refuses_without_a_token(tmp_path: Path) -> None:
    """ExecStart as written (a missing token is the one error that needs no network), in the
    unit's working directory and environment: exit 2 and one clear line, so systemd's
    RestartPreventExitStatus=2 stops it from restarting in a loop."""
    unit = _unit_for_here(tmp_path).read_text()
    command = re.search(r"^ExecStart=(.+)$", unit, flags=re.M)
    assert command is not None
    assert "RestartPreventExitStatus=2" in unit
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CITYBOT_"))}
    env["CITYBOT_DATABASE"] = str(tmp_path / "citybot.sqlite3")
    result = subprocess.run(
        command.group(1).split(),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("citybot: TELEGRAM_BOT_TOKEN is not set."), result.stderr


def test_env_example_is_what_the_settings_model_writes() -> None:
    names = {field.alias for field in Settings.model_fields.values()}
    assert names == set(MEANING), "every setting explained, nothing explained that is not read"
    written = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert written == render(), "run `.venv/bin/python -m bot.env_example` and commit the file"


def test_env_example_sets_nothing_and_holds_no_secret(tmp_path: Path) -> None:
    """Copied as it is, it changes nothing: every line is a comment, secrets are empty."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for line in text.splitlines():
        assert not line or line.startswith("#"), line
        if re.match(r"^# (TELEGRAM_BOT_TOKEN|TWILIO_AUTH_TOKEN|TELEGRAM_WEBHOOK_SECRET)=", line):
            assert line.endswith("="), line
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert Settings(_env_file=tmp_path / ".env") == Settings(_env_file=None)
    finally:
        os.chdir(cwd)


def test_version_names_the_package_and_the_schema() -> None:
    from importlib.metadata import version

    from storage.migrations import MIGRATIONS

    result = subprocess.run(
        [str(BIN / "citybot"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert (
        result.stdout.strip() == f"citybot {version('citybot')} (database schema {len(MIGRATIONS)})"
    )


def test_the_grafana_dashboard_asks_only_for_metrics_the_bot_exports() -> None:
    """Every query's citybot_* series exists in a real scrape (a renamed metric would leave a
    panel silently empty)."""
    import json

    from bot.metrics import Metrics

    exported = set()
    for line in Metrics().exposition().decode().splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            exported.add(name)
            if kind == "histogram":
                exported |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bcitybot_\w+", target["expr"])
    }
    assert len(dashboard["panels"]) >= 10
    assert asked and asked <= exported, sorted(asked - exported)
