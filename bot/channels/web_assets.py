"""The widget's script (bot/widget/v1.js) and, when enabled, the local demo portal page.

The script is served with a strict Content-Security-Policy-friendly shape: one file, no inline
code, no eval; its styles are built inside its Shadow DOM by the CSSOM, which CSP does not
govern. The demo page carries a strict CSP itself, the same a portal would."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.web_chat import WebSites

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
WIDGET_PATH = "/widget/v1.js"
DEMO_PATH = "/demo"
DEMO_SITE = "demo"
"""The demo page's site key, made at start for this server's own origins."""
DEMO_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' https: data:; "
            "style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _asset(name: str, content_type: str, max_age: int, extra: dict[str, str] | None = None):
    body = (WIDGET_DIR / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    async def handler(request: web.Request) -> web.Response:
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}",
                   "X-Content-Type-Options": "nosniff", **(extra or {})}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type=content_type, charset="utf-8",
                            headers=headers)
    return handler


def add_widget_routes(app: web.Application) -> None:
    # Cross-origin pages load it with a plain <script>: no CORS needed, cached for an hour.
    app.router.add_get(WIDGET_PATH, _asset("v1.js", "text/javascript", 3600,
                                           {"Cross-Origin-Resource-Policy": "cross-origin"}))


def add_demo_routes(app: web.Application) -> None:
    app.router.add_get(DEMO_PATH, _asset("demo.html", "text/html", 0,
                                         {"Content-Security-Policy": DEMO_CSP}))
    app.router.add_get(DEMO_PATH + "/demo.css", _asset("demo.css", "text/css", 0))


def demo_origins(host: str, port: int) -> list[str]:
    hosts = {"127.0.0.1", "localhost"} if host in ("0.0.0.0", "127.0.0.1", "localhost", "::") \
        else {host}
    return sorted(f"http://{name}:{port}" for name in hosts)


async def ensure_demo_site(sessions: async_sessionmaker[AsyncSession], origins: list[str]) -> None:
    """The demo page's site key, allowed from this server's own origins."""
    async with sessions() as session, session.begin():
        sites = WebSites(session)
        site = await sites.get(DEMO_SITE)
        if site is None:
            await sites.add("Demo page", origins, key=DEMO_SITE)
        elif sorted(site.origins) != origins:
            site.origins = origins
