"""The project's one aiohttp web app, on WEB_HOST:WEB_PORT: every channel's webhook, /healthz
(liveness: the process serves requests) and /readyz (readiness: the database, and Redis when
configured, answer; a load balancer sends no traffic to a worker that says 503)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from content.errors import NotReady

log = logging.getLogger(__name__)
Check = Callable[[], Awaitable[object]]
READY_CHECKS: web.AppKey[dict[str, Check]] = web.AppKey("ready_checks", dict)
CHECK_SECONDS = 2.0
"""A dependency that has not answered in this long is taken as down."""



MAX_BODY_BYTES = 1024 * 1024
"""Webhook bodies are small; anything larger is refused before it is read."""


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when every dependency answers, else 503 naming the ones that did not (no details:
    the page is public)."""
    checks = request.app[READY_CHECKS]
    failed = []
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), CHECK_SECONDS)
        except NotReady as exc:
            log.warning("readiness: %s: %s", name, exc)
            failed.append(name)
        except Exception as exc:  # any failure means not ready; the cause goes to the log
            log.warning("readiness: %s is not answering (%s)", name, type(exc).__name__)
            failed.append(name)
    if failed:
        return web.json_response({"status": "unavailable", "failing": failed}, status=503)
    return web.json_response({"status": "ready", "checked": list(checks)})


def create_web_app(ready_checks: dict[str, Check] | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[READY_CHECKS] = dict(ready_checks or {})
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


_SIGN_IN_TOKEN = re.compile(r"(/console/login/)[^/?]+")


class RedactingAccessLogger(AbstractAccessLogger):
    """The access log without what a URL may carry that opens something or names someone: a
    sign-in link's token (a link only previewed stays valid, and logs are read by more people
    than the console is) and the query string."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = _SIGN_IN_TOKEN.sub(r"\1…", request.path)
        self.logger.info('%s "%s %s" %s %s %.3fs', request.remote, request.method, path,
                         response.status, response.body_length, time)


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` until the returned runner is cleaned up."""
    runner = web.AppRunner(app, access_log_class=RedactingAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
