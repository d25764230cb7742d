"""The project's one aiohttp web app: /healthz and every channel's webhook, on WEB_HOST:WEB_PORT."""

from __future__ import annotations

from aiohttp import web

MAX_BODY_BYTES = 1024 * 1024
"""Webhook bodies are small; anything larger is refused before it is read."""


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_web_app() -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_get("/healthz", healthz)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` until the returned runner is cleaned up."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
