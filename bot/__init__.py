"""Channel adapters (Telegram, terminal), the conversation service, settings and the CLI."""
