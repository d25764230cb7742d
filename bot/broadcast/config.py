"""What the settings say about broadcasts: the worker's knobs and the audience rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.platforms.local import LOCAL_CHANNELS, LOCAL_RATE
from bot.platforms.web import WEB_RATE
from bot.settings import Settings
from db.broadcasts.audience import BROADCAST_CHANNELS, AudienceRules


@dataclass(frozen=True)
class WorkerConfig:
    """How a worker works (BROADCAST_* settings; see .env.example)."""

    batch_size: int = 50
    concurrency: int = 8
    lease: dt.timedelta = dt.timedelta(seconds=60)
    max_attempts: int = 5
    retry_seconds: float = 2.0
    poll_seconds: float = 1.0
    rates: dict[str, float] = field(default_factory=lambda: {"telegram": 25.0, "zalo": 10.0})

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        return cls(batch_size=settings.broadcast_batch_size,
                   concurrency=settings.broadcast_concurrency,
                   lease=dt.timedelta(seconds=settings.broadcast_lease_seconds),
                   max_attempts=settings.broadcast_max_attempts,
                   retry_seconds=settings.broadcast_retry_seconds,
                   poll_seconds=settings.broadcast_poll_seconds,
                   rates={"telegram": settings.broadcast_telegram_rate,
                          "zalo": settings.broadcast_zalo_rate,
                          "web": WEB_RATE, **dict.fromkeys(LOCAL_CHANNELS, LOCAL_RATE)})


def rules_for(settings: Settings) -> AudienceRules:
    """Channels with a token (Telegram) or an app (Zalo), in order of preference, and Zalo's
    consultation window (BROADCAST_ZALO_WINDOW_DAYS; 0: none, promotion messages configured).
    With neither, the local channels (console users, demo subscribers), which only record. The
    web chat last, always: a person who also follows on Zalo or Telegram gets it there."""
    enabled = {"telegram": settings.telegram_enabled, "zalo": settings.zalo_enabled}
    days = settings.broadcast_zalo_window_days
    channels = tuple(c for c in BROADCAST_CHANNELS if enabled[c]) or LOCAL_CHANNELS
    channels += ("web",)
    return AudienceRules(channels=channels, zalo_window=dt.timedelta(days=days) if days else None)
