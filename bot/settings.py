"""Settings from the environment (and a .env file); secrets never come from anywhere else."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    database: Path = Field(default=Path("citybot.sqlite3"), alias="CITYBOT_DATABASE")
    config: Path | None = Field(default=None, alias="CITYBOT_CONFIG")
    city: str | None = Field(default=None, alias="CITYBOT_CITY")
    log_level: str = Field(default="INFO", alias="CITYBOT_LOG_LEVEL")

    @property
    def token(self) -> str | None:
        value = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return value.strip() or None
