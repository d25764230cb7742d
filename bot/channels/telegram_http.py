"""python-telegram-bot's HTTP transport on aiohttp instead of its default httpx.

PTB lets a bot bring its own networking backend (telegram.request.BaseRequest). We use aiohttp,
which the project already runs for its web app and the Zalo client: in the webhook benchmark
(bench/telegram_bench.py) httpx's per-request work was 55 % of the bot's CPU, and httpcore also
attempts `import sniffio` on every request when that package is absent. The contract is PTB's:
return (status, body) for every HTTP answer, raise TimedOut on timeouts and NetworkError on
transport failures; PTB itself turns 4xx/5xx bodies into its exceptions (RetryAfter, Forbidden…).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _chosen(value: Any, default: float | None) -> float | None:
    """A timeout PTB passed explicitly (a float or None), else our default."""
    return default if isinstance(value, DefaultValue) else value


def _sum(*parts: float | None) -> float | None:
    """Seconds of several phases together; None (no limit) when any phase has none."""
    return None if any(part is None for part in parts) else sum(p for p in parts if p is not None)


class AiohttpRequest(BaseRequest):
    """One aiohttp ClientSession with a bounded connection pool, shared by all Bot API calls."""

    __slots__ = ("_connector_limit", "_connect_timeout", "_media_write_timeout", "_pool_timeout",
                 "_read_timeout", "_session", "_write_timeout")

    def __init__(self, connection_pool_size: int = 32, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0) -> None:
        self._connector_limit = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connector_limit),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        body: aiohttp.FormData | dict[str, str] | None = None
        if files:
            body = aiohttp.FormData(request_data.json_parameters if request_data else {})
            for name, (filename, content, mime_type) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime_type)
        elif request_data is not None:
            body = request_data.json_parameters  # sent form-encoded, as PTB's httpx backend does
        read = _chosen(read_timeout, self._read_timeout)
        write = _chosen(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _chosen(connect_timeout, self._connect_timeout)
        pool = _chosen(pool_timeout, self._pool_timeout)
        # aiohttp has no write timeout: while an upload is sent, the answer's read timer runs, so
        # uploads get both. Other bodies are a few hundred bytes and leave at once.
        timeout = aiohttp.ClientTimeout(total=None, connect=_sum(pool, connect),
                                        sock_connect=connect,
                                        sock_read=_sum(write, read) if files else read)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts derive from asyncio's TimeoutError
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

