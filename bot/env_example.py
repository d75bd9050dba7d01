"""`.env.example` written from the settings model, so it cannot drift from what is read."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.settings import Settings

# What each setting means, by its environment name. tests/test_deploy.py fails when a
# setting has no line here, or when .env.example is not what render() writes.
MEANING: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "The bot's token from @BotFather (secret). Unset: `citybot run` refuses.",
    "TELEGRAM_API_BASE_URL": "Bot API base: a self-hosted telegram-bot-api or a test server.",
    "TELEGRAM_BOT_USERNAME": "The bot's @username for `citybot links` and posters (else getMe).",
    "CITYBOT_DATABASE": (
        "A SQLite file (a path or sqlite:///FILE) or postgresql://USER:PASSWORD@HOST:PORT/DB."
    ),
    "CITYBOT_CONFIG": "A city .toml file or a directory of them (default: the bundled cities).",
    "CITYBOT_CITY": "Serve only this city id (the city question is skipped).",
    "CITYBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR.",
    "CITYBOT_LOG_FORMAT": "text (for people) or json (one object per line, for log collectors).",
    "CITYBOT_PUBLIC_URL": (
        "The public https:// base Telegram and Twilio call; set it to serve webhooks."
    ),
    "CITYBOT_HOST": "Where the HTTP server listens (webhooks, /healthz, /metrics).",
    "CITYBOT_PORT": "Its port.",
    "CITYBOT_METRICS_TOKEN": "If set, /metrics needs `Authorization: Bearer <token>` (secret).",
    "TELEGRAM_WEBHOOK_SECRET": (
        "Sent by Telegram with every webhook (A-Z a-z 0-9 _ -, up to 256; secret)."
    ),
    "CITYBOT_SESSION_SECRET": (
        "Signs the web desk's sessions (secret, 32+ characters). Unset: derived from the bot token."
    ),
    "TWILIO_ACCOUNT_SID": "The Twilio account (WhatsApp is on when the three are set).",
    "TWILIO_AUTH_TOKEN": "Twilio's auth token; also verifies webhook signatures (secret).",
    "TWILIO_WHATSAPP_FROM": "The WhatsApp sender, whatsapp:+996...",
    "TWILIO_API_BASE_URL": "Twilio REST base (a Twilio-compatible gateway, a test server).",
    "WHATSAPP_INTERACTIVE": "Quick replies and list pickers where a screen fits them.",
    "TWILIO_CONTENT_BASE_URL": "Twilio Content API base (default: Twilio's, or the REST base).",
    "CITYBOT_NUDGE_AFTER_HOURS": "One reminder to finish after this many silent hours; 0 = never.",
    "CITYBOT_NUDGE_QUIET_HOURS": "No reminder in these hours of the city's time zone.",
    "TELEGRAM_BROADCAST_RATE": "Announcements per second on Telegram (below the bot's limit).",
    "TELEGRAM_PAID_BROADCAST": "Telegram paid broadcasts (up to 1,000/s, billed in Stars).",
    "WHATSAPP_BROADCAST_RATE": "Announcements per second on WhatsApp.",
    "TWILIO_ANNOUNCEMENT_CONTENT_SID": (
        "An approved template for announcements outside WhatsApp's 24-hour window."
    ),
}

HEADER = """\
# citybot settings: copy to .env (or to systemd's EnvironmentFile) and fill in.
# Written by `python -m bot.env_example` from bot/settings.py: edit the model, not this file.
# Every line is commented: uncomment and fill in what you set; the value shown is the default.
"""


def render() -> str:
    """Every setting: what it means, then `# NAME=default` (`# NAME=` where there is none)."""
    lines = [HEADER]
    for field in Settings.model_fields.values():
        name = field.alias
        assert name is not None
        default = field.default
        if default is None or isinstance(default, SecretStr):
            value = ""
        elif isinstance(default, bool):
            value = "true" if default else "false"
        else:
            value = str(default)
        lines.append(f"# {MEANING[name]}")
        # Every line commented: an empty value is not "unset" (an empty CITYBOT_CONFIG is
        # the current directory); uncomment what you set.
        lines.append(f"# {name}={value}\n")
    return "\n".join(lines)


def main() -> None:
    Path(".env.example").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
