"""What every web chat request passes first: a known site key, an origin the site allows, and
the request limits per client IP and per site (HTTP 429 with Retry-After when over)."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.web_chat import WebSites

SITE_CACHE_SECONDS = 30.0
"""How long a site's origins are trusted before they are read again (a removed key stops
working in every worker within this time)."""


@dataclass(frozen=True)
class Site:
    key: str
    origins: frozenset[str]


class SlidingLimit:
    """At most `max_requests` per key in any `window` seconds; says how long to wait when over."""

    def __init__(self, max_requests: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_requests = max_requests
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._next_cleanup = clock() + window

    def wait_seconds(self, key: str) -> int:
        """0 when the request may go (and is counted), else the whole seconds to wait."""
        now = self.clock()
        if now >= self._next_cleanup:
            self._forget_idle(now)
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.max_requests:
            times.append(now)
            return 0
        return max(1, math.ceil(times[0] + self.window - now))

    def _forget_idle(self, now: float) -> None:
        self._next_cleanup = now + self.window
        for key in [k for k, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[key]


class WebGuard:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, ip_limit: SlidingLimit,
                 site_limit: SlidingLimit, trusted_proxies: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions = sessions
        self.ip_limit = ip_limit
        self.site_limit = site_limit
        self.trusted = {p.strip() for p in trusted_proxies.split(",") if p.strip()}
        self.clock = clock
        self._sites: dict[str, tuple[float, Site | None]] = {}

    async def site(self, key: str) -> Site | None:
        if not key or len(key) > 32:
            return None
        cached = self._sites.get(key)
        if cached is not None and self.clock() - cached[0] < SITE_CACHE_SECONDS:
            return cached[1]
        async with self.sessions() as session:
            row = await WebSites(session).get(key)
        site = Site(row.key, frozenset(row.origins)) if row is not None else None
        if len(self._sites) > 10_000:  # made-up keys must not grow the cache without end
            self._sites.clear()
        self._sites[key] = (self.clock(), site)
        return site

    def forget_sites(self) -> None:
        self._sites.clear()

    @staticmethod
    def origin_of(request: web.Request) -> str:
        """The page's origin; a request without one (same-origin GET, a script) is taken as
        coming from this server's own origin."""
        return request.headers.get("Origin") or f"{request.scheme}://{request.host}"

    def client_ip(self, request: web.Request) -> str:
        remote = request.remote or ""
        forwarded = request.headers.get("X-Forwarded-For", "")
        if remote in self.trusted and forwarded:
            candidate = forwarded.split(",")[-1].strip()
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
        return remote

    def wait_seconds(self, request: web.Request, site: Site) -> int:
        """0 when the request is within both limits, else the seconds to wait."""
        return (self.ip_limit.wait_seconds(self.client_ip(request))
                or self.site_limit.wait_seconds(site.key))
