"""Channel-side records: numbered button choices and alerts for officers (never commit)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ButtonChoices, ChannelAlert, as_utc, utcnow

CHOICES_TTL = dt.timedelta(days=1)
"""A number typed a day after the list was shown is read as text, not as a choice."""


class ButtonChoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, channel: str, user_id: str, choices: dict[str, str]) -> None:
        """Replace the user's numbered choices (number → button payload)."""
        row = await self.session.get(ButtonChoices, (channel, user_id))
        if row is None:
            self.session.add(ButtonChoices(channel=channel, user_id=user_id, choices=choices))
        else:
            row.choices, row.updated_at = dict(choices), utcnow()

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        result = await self.session.execute(delete(ButtonChoices).where(ButtonChoices.updated_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def payload_for(self, channel: str, user_id: str, number: str) -> str | None:
        row = await self.session.get(ButtonChoices, (channel, user_id))
        if row is None or utcnow() - as_utc(row.updated_at) > CHOICES_TTL:
            return None
        payload = row.choices.get(number)
        return str(payload) if payload is not None else None


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, channel: str, code: int, message: str) -> None:
        self.session.add(ChannelAlert(channel=channel, code=code, message=message[:1000]))

    async def recent(self, limit: int = 20) -> list[ChannelAlert]:
        statement = select(ChannelAlert).order_by(ChannelAlert.created_at.desc()).limit(limit)
        return list((await self.session.execute(statement)).scalars())
