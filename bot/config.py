"""Settings from the environment (and `.env`), prefix KAOPING_; loaded once by the entry point."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN_SHAPE = r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAOPING_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    db: str = "kaoping.db"
    api_base: str | None = None  # a self-hosted Bot API server or the sandbox
    log_level: str = "INFO"
    bot_username: str = Field(default="kaoping_bot", description="for invite links t.me/<name>?start=TOKEN")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("KAOPING_LOG_LEVEL is one of DEBUG, INFO, WARNING, ERROR")
        return value

    def token(self) -> str:
        """The bot token, or a one-line error for the user (never the token itself)."""
        import re

        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ValueError("KAOPING_BOT_TOKEN is not set (the token @BotFather gave you, like 123456:ABC...)")
        token = self.bot_token.get_secret_value().strip()
        if not re.match(TOKEN_SHAPE, token):
            raise ValueError("KAOPING_BOT_TOKEN is malformed: expected digits, a colon and the secret (123456:ABC...)")
        return token
