"""Settings from the environment (and a .env file); secrets never come from anywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.locate import Database, parse_database

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    # The bot's @username for deep links and posters (`citybot links`, `citybot poster`);
    # unset: asked from the Bot API (getMe) with the token. Given with or without the "@".
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    # A SQLite file (a path or sqlite:///FILE) or a postgresql:// URL (storage/locate.py).
    database: Annotated[Database, NoDecode] = Field(
        default=Database("sqlite", path=Path("citybot.sqlite3")), alias="CITYBOT_DATABASE"
    )
    config: Path | None = Field(default=None, alias="CITYBOT_CONFIG")
    city: str | None = Field(default=None, alias="CITYBOT_CITY")
    log_level: str = Field(default="INFO", alias="CITYBOT_LOG_LEVEL")
    # "text" for people, "json" for log collectors (one object a line, residents as pseudonyms).
    log_format: Literal["text", "json"] = Field(default="text", alias="CITYBOT_LOG_FORMAT")

    # The HTTP server (/healthz, /metrics; the webhooks when CITYBOT_PUBLIC_URL is set).
    public_url: str | None = Field(default=None, alias="CITYBOT_PUBLIC_URL")
    host: str = Field(default="127.0.0.1", alias="CITYBOT_HOST")
    port: int = Field(default=8080, alias="CITYBOT_PORT")
    # Set: /metrics answers only `Authorization: Bearer <token>` (city ids, traffic figures).
    metrics_token: SecretStr | None = Field(default=None, alias="CITYBOT_METRICS_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Signs the working group's desk sessions (bot/desk; served when TELEGRAM_BOT_TOKEN is
    # set). Unset: derived from the bot token, so sessions survive restarts; set it to sign
    # everyone out (or when several instances must share it without sharing the token).
    session_secret: SecretStr | None = Field(default=None, alias="CITYBOT_SESSION_SECRET")

    # WhatsApp through Twilio: on when the three account settings are present.
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(default=None, alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(default="https://api.twilio.com", alias="TWILIO_API_BASE_URL")
    # Quick replies and list pickers (Twilio Content API) instead of numbered text where a
    # screen fits them; the Content API lives on its own host (a gateway serves both).
    whatsapp_interactive: bool = Field(default=True, alias="WHATSAPP_INTERACTIVE")
    twilio_content_base_url: str | None = Field(default=None, alias="TWILIO_CONTENT_BASE_URL")

    # The one reminder to residents who stopped mid-survey: after this many hours of silence
    # (0 = never), not during the quiet hours of the city's time zone.
    nudge_after_hours: float = Field(default=3.0, ge=0, le=23, alias="CITYBOT_NUDGE_AFTER_HOURS")
    nudge_quiet_hours: str = Field(default="22:00-09:00", alias="CITYBOT_NUDGE_QUIET_HOURS")

    # Announcements: bulk pace below the platforms' limits, so replies keep priority.
    telegram_broadcast_rate: float = Field(
        default=25.0, gt=0, le=1000, alias="TELEGRAM_BROADCAST_RATE"
    )
    telegram_paid_broadcast: bool = Field(default=False, alias="TELEGRAM_PAID_BROADCAST")
    whatsapp_broadcast_rate: float = Field(
        default=20.0, gt=0, le=400, alias="WHATSAPP_BROADCAST_RATE"
    )
    twilio_announcement_content_sid: str | None = Field(
        default=None, alias="TWILIO_ANNOUNCEMENT_CONTENT_SID"
    )

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        return value if isinstance(value, Database) else parse_database(str(value))

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)} (any case)")
        return level

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        # 0 would bind a random port: nobody (the proxy, /healthz checks) could find it.
        if not 1 <= value <= 65535:
            raise ValueError("use a port number from 1 to 65535")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        value = (value or "").strip().removeprefix("@").strip()
        return value or None

    @field_validator("nudge_quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        from flows.nudge import parse_quiet_hours

        parse_quiet_hours(value)  # "HH:MM-HH:MM", or ValueError naming the problem
        return value

    @field_validator("session_secret")
    @classmethod
    def _session_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # It signs every desk session: a short one could be guessed offline from one cookie.
        if value is not None and 0 < len(value.get_secret_value().strip()) < 32:
            raise ValueError(
                "use at least 32 characters, e.g. the output of: python3 -c"
                " 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @property
    def content_base_url(self) -> str | None:
        """Twilio's Content API host: as set, else the REST base when that is not Twilio's
        own (a gateway or a test server serves both), else Twilio's default."""
        if self.twilio_content_base_url:
            return self.twilio_content_base_url
        if self.twilio_api_base_url.rstrip("/") != "https://api.twilio.com":
            return self.twilio_api_base_url
        return None

    @property
    def token(self) -> str | None:
        value = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return value.strip() or None

    @property
    def public_base(self) -> str | None:
        """The public https base URL without a trailing slash, or None (long polling)."""
        value = (self.public_url or "").strip().rstrip("/")
        return value or None

    @property
    def webhook_secret(self) -> str | None:
        value = (
            self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else ""
        )
        return value.strip() or None

    @property
    def desk_secret(self) -> str | None:
        """The desk's session key: CITYBOT_SESSION_SECRET, else derived from the bot token
        (HMAC), else None (no token: no desk)."""
        value = self.session_secret.get_secret_value().strip() if self.session_secret else ""
        if value:
            return value
        token = self.token
        if token is None:
            return None
        from bot.desk.auth import derive_secret

        return derive_secret(token)

    @property
    def twilio_token(self) -> str | None:
        value = self.twilio_auth_token.get_secret_value() if self.twilio_auth_token else ""
        return value.strip() or None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_token and self.twilio_whatsapp_from)
