"""Zalo OA API v3 client (aiohttp) with OAuth v4 token rotation.

Errors (Zalo answers HTTP 200 with a negative `error`), each also the kind in content/errors.py:
- ZaloUnreachable (Unreachable): this user cannot be messaged now (-213, -227, -230, -232, -244).
- ZaloQuotaExceeded (QuotaExceeded): the OA's or the user's quota is used up (-211, -218, -224).
- ZaloRateLimited (RateLimited): still -32 after the retries.
- ZaloUnavailable (PlatformUnavailable): a network error or a 5xx after the retries (no code).
- ZaloError: anything else (an invalid or expired token (-216, -220) is refreshed once and the
  send retried first).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import random
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.errors import (
    PlatformError,
    PlatformUnavailable,
    QuotaExceeded,
    RateLimited,
    Unreachable,
)
from db.models import ZaloToken, as_utc, utcnow

log = logging.getLogger(__name__)

TOKEN_ERRORS = {-216, -220}
RATE_LIMITED = -32
UNREACHABLE_ERRORS = {-213, -227, -230, -232, -244}
QUOTA_ERRORS = {-211, -218, -224}
REFRESH_MARGIN = dt.timedelta(minutes=10)
"""Refresh this long before the access token expires, so no send meets an expired token."""
TOKEN_ROW = 1


class ZaloError(PlatformError):
    """Zalo refused; `code` is Zalo's error number (None when Zalo did not answer)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}" if code is not None else message)
        self.code = code


class ZaloUnreachable(ZaloError, Unreachable):
    pass


class ZaloQuotaExceeded(ZaloError, QuotaExceeded):
    pass


class ZaloRateLimited(ZaloError, RateLimited):
    pass


class ZaloUnavailable(ZaloError, PlatformUnavailable):
    pass


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for OAuth v4 with PKCE (S256)."""
    verifier = secrets.token_urlsafe(48)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def permission_url(oauth_base_url: str, app_id: str, redirect_uri: str, challenge: str, state: str) -> str:
    query = urlencode({"app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": challenge,
                       "state": state})
    return f"{oauth_base_url}/v4/oa/permission?{query}"


class ZaloTokens:
    """The current token pair, kept in the database; refreshed by one caller at a time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], http: aiohttp.ClientSession,
                 oauth_base_url: str, app_id: str, app_secret: str,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.sessions = sessions
        self.http = http
        self.oauth_base_url = oauth_base_url
        self.app_id = app_id
        self.app_secret = app_secret
        self.clock = clock
        self._lock = asyncio.Lock()  # one refresh per process; the row lock covers other processes
        self._cached: tuple[str, dt.datetime] | None = None

    async def seed(self, access_token: str | None, refresh_token: str | None) -> None:
        """Store the first pair from the environment, unless the database already has one."""
        if not refresh_token:
            return
        async with self.sessions() as session, session.begin():
            if await session.get(ZaloToken, TOKEN_ROW) is None:
                expires = self.clock() + dt.timedelta(hours=1) if access_token else self.clock()
                session.add(ZaloToken(id=TOKEN_ROW, access_token=access_token or "",
                                      refresh_token=refresh_token, expires_at=expires))

    async def access_token(self) -> str:
        """A token valid for a while yet, refreshing it first when it is about to expire."""
        if self._cached is None:
            async with self.sessions() as session:
                row = await session.get(ZaloToken, TOKEN_ROW)
                if row is None:
                    raise ZaloError(-216, "no Zalo token: run `cdsbot zalo exchange CODE` first")
                self._cached = (row.access_token, as_utc(row.expires_at))
        token, expires_at = self._cached
        if expires_at - self.clock() < REFRESH_MARGIN:
            return await self.refresh(token)
        return token

    async def refresh(self, stale: str) -> str:
        """Replace `stale` with a new pair, unless another caller or worker already did."""
        async with self._lock, self.sessions() as session, session.begin():
            row = await self._locked_row(session)
            fresh = row.access_token != stale and as_utc(row.expires_at) - self.clock() > REFRESH_MARGIN
            if not fresh:
                data = await self._oauth({"refresh_token": row.refresh_token, "app_id": self.app_id,
                                          "grant_type": "refresh_token"})
                # The old refresh token is spent now: the new pair is written in this same
                # transaction, before anything else can fail.
                row.access_token, row.refresh_token = data["access_token"], data["refresh_token"]
                row.expires_at = self.clock() + dt.timedelta(seconds=int(data.get("expires_in", 3600)))
                row.updated_at = self.clock()
                log.info("Zalo access token refreshed; valid until %s", row.expires_at)
            self._cached = (row.access_token, as_utc(row.expires_at))
            return row.access_token

    async def exchange_code(self, code: str, verifier: str) -> None:
        """Trade an authorisation code (PKCE) for the first pair and store it."""
        data = await self._oauth({"code": code, "app_id": self.app_id,
                                  "grant_type": "authorization_code", "code_verifier": verifier})
        expires = self.clock() + dt.timedelta(seconds=int(data.get("expires_in", 3600)))
        async with self.sessions() as session, session.begin():
            row = await session.get(ZaloToken, TOKEN_ROW)
            if row is None:
                session.add(ZaloToken(id=TOKEN_ROW, access_token=data["access_token"],
                                      refresh_token=data["refresh_token"], expires_at=expires))
            else:
                row.access_token, row.refresh_token, row.expires_at = (
                    data["access_token"], data["refresh_token"], expires)
        self._cached = None

    async def _locked_row(self, session: AsyncSession) -> ZaloToken:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a write at the start takes the database's write lock.
            await session.execute(update(ZaloToken).where(ZaloToken.id == TOKEN_ROW)
                                  .values(updated_at=self.clock()))
        statement = select(ZaloToken).where(ZaloToken.id == TOKEN_ROW).with_for_update()
        row = (await session.execute(statement.execution_options(populate_existing=True))).scalar_one_or_none()
        if row is None:
            raise ZaloError(-216, "no Zalo token: run `cdsbot zalo exchange CODE` first")
        return row

    async def _oauth(self, form: dict[str, str]) -> dict[str, Any]:
        async with self.http.post(f"{self.oauth_base_url}/v4/oa/access_token", data=form,
                                  headers={"secret_key": self.app_secret}) as response:
            data: dict[str, Any] = await response.json(content_type=None)
        if "access_token" not in data:
            raise ZaloError(int(data.get("error", -1)), str(data.get("error_description")
                                                            or data.get("message") or data))
        return data


class ZaloClient:
    """Sends consultation messages; maps Zalo's error codes to retries and exceptions."""

    def __init__(self, http: aiohttp.ClientSession, tokens: ZaloTokens, api_base_url: str,
                 max_retries: int = 3, backoff_seconds: float = 0.5) -> None:
        self.http = http
        self.tokens = tokens
        self.api_base_url = api_base_url
        self.max_retries = max_retries
        self.backoff = backoff_seconds

    async def send(self, user_id: str, message: dict[str, Any], quote: str | None = None,
                   retries: int | None = None) -> dict[str, Any]:
        """Send a consultation message: a reply quoting the user's message `quote` (a free "tin
        phản hồi"), or, without it, to the user id (a proactive "tin chủ động"). `retries`
        overrides the client's number of retries for this send."""
        recipient = {"message_id": quote} if quote else {"user_id": user_id}
        body = {"recipient": recipient, "message": message}
        refreshed = False
        max_retries = self.max_retries if retries is None else retries
        for attempt in range(max_retries + 1):
            token = await self.tokens.access_token()
            try:
                data = await self._post("/v3.0/oa/message/cs", body, token)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if attempt == max_retries:
                    raise ZaloUnavailable(None, f"network error: {exc}") from exc
                await self._sleep(attempt)
                continue
            code = int(data.get("error", 0))
            if code == 0:
                return data
            message_text = str(data.get("message", ""))
            if code in TOKEN_ERRORS and not refreshed:
                await self.tokens.refresh(token)
                refreshed = True
                continue
            if code == RATE_LIMITED:
                if attempt < max_retries:
                    await self._sleep(attempt)
                    continue
                raise ZaloRateLimited(code, message_text)
            if code in UNREACHABLE_ERRORS:
                raise ZaloUnreachable(code, message_text)
            if code in QUOTA_ERRORS:
                raise ZaloQuotaExceeded(code, message_text)
            raise ZaloError(code, message_text)
        # The last attempt met an expired token and refreshed it: no attempt is left for the send.
        raise ZaloUnavailable(None, "no attempt left after refreshing the access token")

    async def upload(self, kind: str, path: Path, filename: str) -> str:
        """Upload an image (≤ 1 MB) or a file (≤ 5 MB); returns its attachment id or file token."""
        content = await asyncio.to_thread(path.read_bytes)
        for refreshed in (False, True):
            token = await self.tokens.access_token()
            form = aiohttp.FormData()
            form.add_field("file", content, filename=filename)
            async with self.http.post(f"{self.api_base_url}/v2.0/oa/upload/{kind}", data=form,
                                      headers={"access_token": token}) as response:
                data: dict[str, Any] = await response.json(content_type=None)
            code = int(data.get("error", 0))
            if code == 0:
                found = data.get("data", {})
                return str(found.get("attachment_id") or found.get("token"))
            if code in TOKEN_ERRORS and not refreshed:
                await self.tokens.refresh(token)
                continue
            raise ZaloError(code, str(data.get("message", "")))
        raise ZaloError(-216, "token refused twice")

    async def _post(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        async with self.http.post(f"{self.api_base_url}{path}", json=body,
                                  headers={"access_token": token}) as response:
            if response.status >= 500:
                raise aiohttp.ClientError(f"HTTP {response.status}")
            data: dict[str, Any] = await response.json(content_type=None)
            return data

    async def _sleep(self, attempt: int) -> None:
        """Exponential back-off with jitter, so many workers do not retry in step."""
        await asyncio.sleep(self.backoff * (2 ** attempt) * (0.5 + random.random()))
