"""Bundled city configuration: the three 2018 pilot cities, one TOML file each."""

from pathlib import Path

BUNDLED = Path(__file__).resolve().parent
