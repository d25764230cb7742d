"""Roles, the declarative base and time helpers shared by every model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
)
from sqlalchemy.orm import DeclarativeBase


class Role(IntEnum):
    """Who may do what; a higher role may do everything a lower one may."""

    CITIZEN = 0
    MEMBER = 1
    LEADER = 2
    OFFICER = 3
    ADMIN = 4


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Clock = Callable[[], dt.datetime]
"""Now; the pipeline's clock in the handling of a message, so tests and the bot agree on it."""


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}
