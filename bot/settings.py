"""The one settings object, read from the environment and `.env` (see .env.example)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/cdsbot.sqlite3"
    database_pool_size: int = Field(default=20, ge=1, le=500)
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    province: str = "all"
    seeds_dir: Path | None = None
    content_packs_dir: Path | None = None
    log_level: str = "INFO"

    # Web server shared by the channels' webhooks (and /healthz).
    web_host: str = "0.0.0.0"
    web_port: int = 8080

    # Telegram (python-telegram-bot). No token: Telegram is off.
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_max_rate: float = 25.0
    telegram_max_retries: int = 3
    telegram_connection_pool_size: int = 32

    # Zalo Official Account. No app id: Zalo is off.
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_replay_window_seconds: int = 3600
    zalo_max_buttons: int = 5
    zalo_text_limit: int = 2000
    zalo_max_retries: int = 3
    zalo_quiet_hours: str = "22:00-06:00"
    # Zalo's budget: free replies ("tin phản hồi") per user message within 48 h, and proactive
    # messages ("tin chủ động": broadcasts, reminders) per month, which the OA's package decides.
    zalo_free_replies: int = Field(default=8, ge=1, le=100)
    zalo_proactive_quota: int = Field(default=1000, ge=0)
    zalo_redirect_uri: str | None = None
    zalo_oa_url: str | None = None
    """The OA's public address (https://zalo.me/<OA id>): printed as a QR with invite codes."""

    # Community tech teams. ADMIN_IDS: the first admins, as channel:user pairs
    # ("telegram:123456,zalo:8421…"); more with `cdsbot users grant`.
    admin_ids: str = ""
    visit_max_age_days: int = Field(default=30, ge=1, le=366)
    visit_max_people: int = Field(default=200, ge=1, le=10_000)
    visit_undo_minutes: int = Field(default=10, ge=0, le=1440)
    invite_valid_days: int = Field(default=14, ge=1, le=365)
    invite_max_uses: int = Field(default=30, ge=1, le=10_000)
    reminder_days_before: int = Field(default=3, ge=1, le=60)
    reports_dir: Path = Path("data/reports")

    # Broadcasts (`cdsbot broadcast`, bot/broadcast/). Messages per second on each channel for all
    # workers together, kept in Redis when REDIS_URL is set, else in the database; rows a worker
    # holds at once (also the most messages a crashed worker can send twice); sends in flight per
    # channel and worker; how long a claim lasts without the worker's heartbeat; attempts and
    # first back-off (doubling, with jitter) for network errors and 5xx; how often workers look
    # for new, paused and cancelled broadcasts; Zalo's consultation window in days (0: none, for
    # an OA with promotion messages).
    broadcast_telegram_rate: float = Field(default=25.0, gt=0)
    broadcast_zalo_rate: float = Field(default=10.0, gt=0)
    broadcast_batch_size: int = Field(default=50, ge=1, le=5000)
    broadcast_concurrency: int = Field(default=8, ge=1, le=256)
    broadcast_lease_seconds: float = Field(default=60.0, ge=1)
    broadcast_max_attempts: int = Field(default=5, ge=1, le=100)
    broadcast_retry_seconds: float = Field(default=2.0, gt=0)
    broadcast_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    broadcast_zalo_window_days: int = Field(default=7, ge=0, le=365)
    redis_url: str | None = None
    # `cdsbot run` sends broadcasts too; turn off when dedicated `cdsbot broadcast worker`
    # processes do it.
    broadcast_worker_in_run: bool = True

    # Per-user incoming throttle: at most this many messages per window (seconds).
    incoming_max_messages: int = 8
    incoming_window_seconds: float = 10.0
    # Days the inbox of received messages, the record of replies and long button payloads are
    # kept (they hold what people wrote); at least 2, beyond any platform's redelivery.
    message_retention_days: int = Field(default=7, ge=2, le=365)

    # The web chat (bot/channels/web.py). WEB_PUBLIC_URL: the address portals load the widget
    # from (the demo page and `cdsbot web sites add` print it); by default this server's own.
    web_public_url: str | None = None
    # Requests to the chat API per client IP, and per site key, in WEB_RATE_WINDOW_SECONDS.
    web_ip_max_requests: int = Field(default=60, ge=1)
    web_site_max_requests: int = Field(default=6000, ge=1)
    web_rate_window_seconds: float = Field(default=10.0, gt=0)
    # Proxies whose X-Forwarded-For is believed (comma-separated IPs): behind one, every client
    # would otherwise share the proxy's address and its limit.
    web_trusted_proxies: str = ""
    # How often each worker looks for web events stored by other processes (seconds).
    web_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    # The local demo portal page at /demo (on by default when no platform is configured).
    web_demo: bool | None = None

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("DEFAULT_LOCALE must be 'vi' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        secret = self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else ""
        if (self.telegram_webhook_url or secret) and not _SECRET_RE.match(secret):
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters "
                             "of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return self

    @field_validator("admin_ids")
    @classmethod
    def _channel_user_pairs(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            channel, _, user = pair.partition(":")
            if not (channel and user):
                raise ValueError(f"ADMIN_IDS: '{pair}' is not channel:user (e.g. telegram:123456)")
        return value

    @property
    def admins(self) -> frozenset[str]:
        """'telegram:123456' for each configured admin."""
        return frozenset(p.strip() for p in self.admin_ids.split(",") if p.strip())

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for masking in logs (bot.log_secrets); database and Redis
        URLs too, which may carry a password."""
        values = [getattr(self, name) for name in type(self).model_fields]
        found = [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
        for url in (self.database_url, self.redis_url):
            password = _url_password(url)
            if password:
                found.append(password)
        return found

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_app_secret and self.zalo_oa_secret_key)

    def public_url(self) -> str:
        """Where browsers reach this server (WEB_PUBLIC_URL, else its own address)."""
        if self.web_public_url:
            return self.web_public_url.rstrip("/")
        host = "127.0.0.1" if self.web_host in ("0.0.0.0", "::") else self.web_host
        return f"http://{host}:{self.web_port}"

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def local_only(self) -> bool:
        """No messaging platform configured: the console chat, and broadcasts that only record
        (bot/platforms/local.py)."""
        return not (self.telegram_enabled or self.zalo_enabled)

    @property
    def provinces(self) -> list[str] | None:
        """Province slugs to load, or None for all of them."""
        wanted = [p.strip() for p in self.province.split(",") if p.strip()]
        return None if not wanted or wanted == ["all"] else wanted

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def packs_path(self) -> Path:
        from content.loader import PACKS_DIR

        return self.content_packs_dir or PACKS_DIR

    @property
    def seeds_path(self) -> Path | None:
        """Where the seed documents are, to check that content cites files that exist."""
        if self.seeds_dir is not None:
            return self.seeds_dir
        return DEFAULT_SEEDS_DIR if DEFAULT_SEEDS_DIR.is_dir() else None


def _url_password(url: str | None) -> str | None:
    """The password in a URL like postgresql+asyncpg://user:password@host/db, if any."""
    if not url or "://" not in url:
        return None
    credentials = url.split("://", 1)[1].split("@", 1)
    if len(credentials) < 2 or ":" not in credentials[0]:
        return None
    return credentials[0].split(":", 1)[1] or None


def describe_invalid(error: ValidationError) -> list[str]:
    """A settings error as one line per setting, naming the variable and what is wrong, never
    the value given (it may be a secret)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        names = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
        lines.append(f"{names}: {problem['msg']}")
    return lines
