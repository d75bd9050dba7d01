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

    # The web server (webhooks): on when CITYBOT_PUBLIC_URL is set.
    public_url: str | None = Field(default=None, alias="CITYBOT_PUBLIC_URL")
    host: str = Field(default="127.0.0.1", alias="CITYBOT_HOST")
    port: int = Field(default=8080, alias="CITYBOT_PORT")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")

    # WhatsApp through Twilio: on when the three account settings are present.
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(default=None, alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(default="https://api.twilio.com", alias="TWILIO_API_BASE_URL")

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
    def twilio_token(self) -> str | None:
        value = self.twilio_auth_token.get_secret_value() if self.twilio_auth_token else ""
        return value.strip() or None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_token and self.twilio_whatsapp_from)
