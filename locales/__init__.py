"""Every user-visible sentence, as Fluent files: locales/<lang>/*.ftl."""

from pathlib import Path

LOCALES = Path(__file__).resolve().parent
