"""`cdsbot run`'s serving loop: web server, Telegram and Zalo started together, stopped cleanly."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.app import open_app
from bot.runner import serve
from bot.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZalo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_serves_both_channels_on_one_connection_each_and_stops_cleanly(tmp_path: Path):
    port = free_port()
    async with FakeTelegramAPI() as telegram, FakeZalo() as zalo:
        access, refresh = zalo.issue_tokens()
        settings = Settings(
            _env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",  # type: ignore[call-arg]
            web_host="127.0.0.1", web_port=port,
            telegram_bot_token=telegram.token, telegram_api_base_url=telegram.base_url,
            telegram_file_base_url=telegram.base_file_url,
            zalo_app_id=zalo.app_id, zalo_app_secret=zalo.app_secret,
            zalo_oa_secret_key=zalo.oa_secret_key, zalo_access_token=access,
            zalo_refresh_token=refresh, zalo_api_base_url=zalo.api_base_url,
            zalo_oauth_base_url=zalo.oauth_base_url)
        stop = asyncio.Event()
        async with open_app(settings) as app:
            task = asyncio.create_task(serve(app, stop))
            try:
                for _ in range(100):  # wait for the web server
                    try:
                        async with aiohttp.ClientSession() as http, \
                                http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            assert response.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                telegram.queue_update(telegram.message_update(501, "ngày chuyển đổi số là ngày nào"))
                record = await telegram.wait_for(lambda r: "10/10" in (r.text or ""), timeout=10)
                assert record.chat_id == 501
                body, headers = zalo.signed_event(zalo.text_event("z501", "ngày chuyển đổi số là ngày nào"))
                async with aiohttp.ClientSession() as http, http.post(
                        f"http://127.0.0.1:{port}/webhooks/zalo", data=body, headers=headers) as response:
                    assert response.status == 200
                await zalo.wait_for(lambda r: "10/10" in (r.text or ""), timeout=10)
            finally:
                stop.set()
                await asyncio.wait_for(task, 15)
        assert task.done() and task.exception() is None
        # The chat channel and the broadcast worker share one Bot: it introduced itself once.
        assert settings.broadcast_worker_in_run
        assert len(telegram.calls_of("getMe")) == 1
