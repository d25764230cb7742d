"""The web chat's server side, over real HTTP on loopback, on SQLite and PostgreSQL: anonymous
visitors, messages handled once whatever the retries, numbered events replayed from a cursor
over SSE and long polling, site keys with their origins, limits, and the visitor's data."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import urllib.request

import pytest
from sqlalchemy import func, select

from bot.broadcast import run_worker
from bot.channels.web_hub import WebEventHub
from bot.platforms.web import WebPlatform
from db.broadcasts.audience import SYSTEM
from db.broadcasts.repository import BroadcastRepository
from db.models import Role, Subscription, User, WebEvent, WebVisitor, utcnow
from db.repositories import UserRepository
from handlers.messages import Attachment, Reply
from tests.cli_harness import run_cli
from tests.clock_travel import bot_command
from tests.web_harness import (
    PORTAL,
    free_port,
    read_stream,
    store_replies,
    web_server,
    web_settings,
)


@pytest.fixture
async def server(pipeline, database_url, tmp_path):
    async with web_server(pipeline, web_settings(database_url, tmp_path)) as running:
        yield running


async def test_a_new_visitor_is_greeted_and_their_token_is_kept_only_hashed(server):
    visitor = await server.visitor()
    greeting = await visitor.texts()
    assert {kind for kind, _ in greeting} == {"bot"} and "Xin chào" in greeting[0][1]
    async with server.channel.sessions() as session:
        stored = (await session.execute(select(WebVisitor))).scalars().one()
    assert visitor.token not in (stored.token_hash, stored.id) and len(stored.token_hash) == 64
    async with server.client.post(f"{server.api}/session", json={"token": visitor.token},
                                  headers={"Origin": PORTAL}) as response:
        again = await response.json()
    assert again["token"] is None and again["conversation"] == visitor.conversation  # resumed


async def test_a_message_retried_with_its_id_is_answered_once(server):
    visitor = await server.visitor()
    first = await visitor.post("ngay chuyen doi so la ngay nao", client_id="retry-0001")
    second = await visitor.post("ngay chuyen doi so la ngay nao", client_id="retry-0001")
    assert (first.status, second.status) == (202, 200)
    texts = await visitor.texts(after=server.greeting)
    assert [kind for kind, _ in texts] == ["user", "bot"]
    assert "10 tháng 10" in texts[-1][1]


async def test_events_are_numbered_and_a_reconnect_gets_only_what_it_missed(server):
    visitor = await server.visitor()
    await visitor.post("/menu")
    everything = (await visitor.events())["events"]
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    missed = (await visitor.events(after=1))["events"]
    assert missed == everything[1:]
    await visitor.post("co cuoc thi nao khong")
    later = (await visitor.events(after=everything[-1]["seq"]))["events"]
    assert [e["kind"] for e in later][:1] == ["user"] and later[0]["body"]["text"] == "co cuoc thi nao khong"


async def test_the_stream_replays_from_last_event_id_then_delivers_live(server):
    visitor = await server.visitor()
    await visitor.post("/menu")
    headers = {**visitor.headers, "Last-Event-ID": "1"}
    params = {"conversation": str(visitor.conversation)}
    async with server.client.get(f"{server.api}/stream", params=params,
                                 headers=headers) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Access-Control-Allow-Origin"] == PORTAL
        replayed = await read_stream(response, 2)
        assert [(event, ident) for event, ident, _ in replayed] == [("message", "2"), ("message", "3")]
        last = (await visitor.events())["events"][-1]["seq"]
        await visitor.post("ngay chuyen doi so la ngay nao", wait=False)
        replayed = await read_stream(response, last - 3)  # the rest of what was there
        live = await read_stream(response, 2)
    assert [ident for _, ident, _ in replayed][-1:] == [str(last)]
    assert [data["kind"] for _, _, data in live] == ["user", "bot"]
    assert [ident for _, ident, _ in live] == [str(last + 1), str(last + 2)]


async def test_a_long_poll_waits_for_the_reply(server):
    visitor = await server.visitor()
    last = (await visitor.events())["events"][-1]["seq"]
    params = {"conversation": str(visitor.conversation), "after": str(last), "wait": "1"}
    poll = asyncio.create_task(server.client.get(f"{server.api}/events", params=params,
                                                 headers=visitor.headers))
    await visitor.post("/menu", wait=False)
    async with await poll as response:
        got = (await response.json())["events"]
    assert got and got[0]["kind"] == "user" and got[0]["seq"] == last + 1


async def test_other_origins_and_unknown_site_keys_are_refused_without_cors(server):
    for url, origin in ((f"{server.api}/hello", "https://evil.example"),
                        (f"{server.url}/web/v1/no-such-key/hello", PORTAL)):
        async with server.client.get(url, headers={"Origin": origin}) as response:
            assert response.status == 403
            assert "Access-Control-Allow-Origin" not in response.headers
            assert "không" in (await response.json())["message"]  # Vietnamese, polite
    async with server.client.options(f"{server.api}/messages", headers={
            "Origin": PORTAL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"}) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == PORTAL
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    async with server.channel.sessions() as session:
        assert (await session.execute(select(func.count(WebVisitor.id)))).scalar() == 0


async def test_over_the_ip_limit_a_polite_429_says_how_long_to_wait(pipeline, database_url,
                                                                    tmp_path):
    settings = web_settings(database_url, tmp_path, web_ip_max_requests=3,
                            web_rate_window_seconds=60)
    async with web_server(pipeline, settings) as server:
        statuses = []
        for _ in range(4):
            async with server.client.get(f"{server.api}/hello",
                                         headers={"Origin": PORTAL}) as response:
                statuses.append(response.status)
                body = await response.json()
        assert statuses == [200, 200, 200, 429]
        assert int(response.headers["Retry-After"]) >= 1
        assert response.headers["Access-Control-Allow-Origin"] == PORTAL  # the widget reads it
        assert "vui lòng" in body["message"].lower() or "chờ" in body["message"]


async def test_bad_bodies_get_a_clear_answer_and_store_nothing(server):
    visitor = await server.visitor()
    before = await visitor.texts()
    api = f"{server.api}/messages"
    cases = [(b"{not json", 400), (b"[" * 5000 + b"]" * 5000, 400),
             (b'{"id": "x", "text": "hi"}', 400), (b'{"id": "abcdefgh12", "text": 5}', 400),
             (b'{"id": "abcdefgh12", "text": "' + b"a" * 20_000 + b'"}', 413)]
    for body, status in cases:
        async with server.client.post(api, data=body, headers=visitor.headers) as response:
            assert response.status == status
            assert (await response.json())["message"]
    async with server.client.post(api, json={"id": "abcdefgh12", "text": "hi"},
                                  headers={"Origin": PORTAL, "Authorization": "Bearer forged"}) as response:
        assert response.status == 401
    assert await visitor.texts() == before


async def test_a_reply_sent_again_after_a_crash_is_stored_once(server):
    visitor = await server.visitor()
    async with server.channel.sessions() as session:
        visitor_id = (await session.execute(select(WebVisitor.id))).scalar_one()
    for _ in range(2):  # the intake resends recorded replies with the same key
        await store_replies(server.channel, visitor_id, [Reply("Một"), Reply("Hai")], "77.0")
    assert [text for _, text in await visitor.texts(after=server.greeting)] == ["Một", "Hai"]


async def test_a_new_conversation_starts_empty_and_the_old_one_says_where_it_went(server):
    visitor = await server.visitor()
    async with server.client.post(f"{server.api}/conversations",
                                  headers=visitor.headers) as response:
        new = (await response.json())["conversation"]
    assert new != visitor.conversation
    old = (await visitor.events(conversation=visitor.conversation))
    assert old["reset"] is True and old["conversation"] == new  # a stale tab is moved along
    visitor.conversation = new
    assert (await visitor.events())["events"] == []
    await visitor.post("/menu")
    assert (await visitor.events())["events"][0]["seq"] == 1


async def test_erasing_my_data_clears_the_conversation_and_still_confirms(server):
    visitor = await server.visitor()
    await visitor.post("toi o nghe an, sdt 0912345678")
    await visitor.post("/xoadulieu")
    [button] = [b for b in (await visitor.events())["events"][-1]["body"]["buttons"]
                if b["payload"] == "erase:yes"]
    await visitor.post(payload=button["payload"], label=button["label"])
    left = (await visitor.events())["events"]
    assert [e["kind"] for e in left] == ["cleared", "bot"]  # the panel clears, then confirms
    assert "đã được xoá" in left[-1]["body"]["text"]
    async with server.channel.sessions() as session:
        assert (await session.execute(select(func.count(WebEvent.id)))).scalar() == 2
        assert (await session.execute(select(func.count(User.id)))).scalar() == 0


async def test_a_second_worker_streams_what_the_first_stored(pipeline, database_url, tmp_path):
    settings = web_settings(database_url, tmp_path)
    async with web_server(pipeline, settings) as first, \
            web_server(pipeline, settings, make_site=False) as second:
        visitor = await first.visitor()
        params = {"conversation": str(visitor.conversation), "after": str(first.greeting)}
        async with second.client.get(f"{second.api}/stream", params=params,
                                     headers=visitor.headers) as response:
            await visitor.post("/menu", wait=False)  # handled by the first worker
            got = await read_stream(response, 2)
    assert [data["kind"] for _, _, data in got] == ["user", "bot"]


async def test_the_hub_hands_new_events_once_and_distrusts_gaps(sessions):
    hub = WebEventHub(sessions)
    one, two = {"seq": 1, "kind": "bot", "body": {}}, {"seq": 2, "kind": "bot", "body": {}}
    with hub.watch(7) as watch:
        hub.stored(7, [one])
        assert watch.woke.is_set() and watch.take(0) == [one]
        hub.notify(7, 1)  # the poll finding the same event again
        assert not watch.woke.is_set()
        hub.stored(7, [two])
        assert watch.take(5) == []  # sent already
        hub.stored(7, [{"seq": 4, "kind": "bot", "body": {}}])
        assert watch.take(2) is None  # 3 is missing: read the database
        hub.notify(7, 9)  # stored by another process
        assert watch.take(4) is None
    assert hub.watched == 0


async def test_the_widget_script_is_small_and_cacheable(server):
    async with server.client.get(f"{server.url}/widget/v1.js",
                                 headers={"Accept-Encoding": "identity"}) as response:
        body = await response.read()
        etag = response.headers["ETag"]
    import gzip

    size = len(gzip.compress(body))
    print(f"widget v1.js: {len(body)} bytes, {size} gzipped")
    assert size <= 30 * 1024
    assert b"eval(" not in body and b"innerHTML" not in body
    async with server.client.get(f"{server.url}/widget/v1.js",
                                 headers={"If-None-Match": etag}) as response:
        assert response.status == 304


async def test_an_unknown_file_link_is_not_found(server):
    async with server.client.get(f"{server.url}/web/v1/files/nope") as response:
        assert response.status == 404




async def test_an_announcement_reaches_a_subscribed_visitor_and_counts_as_sent(server):
    visitor = await server.visitor()
    await visitor.post("/dangky")
    async with server.channel.sessions() as session, session.begin():
        identity = await UserRepository(session).find("web", await visitor_id(server))
        assert identity is not None
        identity.user.role = int(Role.ADMIN)  # the sender, who gets it too
        session.add(Subscription(user_id=identity.user_id, topic="announcements",
                                 created_at=utcnow()))  # real clock: the worker reads it
    rules = server.channel.pipeline.services.broadcast_rules
    assert "web" in rules.channels
    async with server.channel.sessions() as session, session.begin():
        broadcast_id, reach = await BroadcastRepository(session).create(
            text="**Cuộc thi** mở vòng 2!", image_url=None, link=None, filters=["all"], at=None,
            created_by=identity.user_id, rules=rules, now=utcnow(),  # real clock: the worker's
            sender=SYSTEM)
    assert reach == 1
    stats = await run_worker(server.channel.settings, until_idle=True,
                             sessions=server.channel.sessions,
                             platforms={"web": WebPlatform(server.channel.sessions,
                                                           server.channel.hub)})
    assert stats.sent == 1
    async with server.channel.sessions() as session:
        status = await BroadcastRepository(session).status(broadcast_id)
    assert status is not None and status["sent"] == 1 and status["state"] == "done"
    [notice] = [e for e in (await visitor.events())["events"] if e["kind"] == "notice"]
    assert notice["body"]["text"] == "Cuộc thi mở vòng 2!"  # the markup is for Telegram


async def visitor_id(server) -> str:
    async with server.channel.sessions() as session:
        return (await session.execute(select(WebVisitor.id))).scalar_one()


async def test_report_files_are_served_to_the_link_and_nothing_outside_the_reports(server, tmp_path):
    visitor = await server.visitor()
    reports = tmp_path / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bao-cao.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("no", encoding="utf-8")
    await store_replies(server.channel, await visitor_id(server), [
        Reply("Báo cáo", attachment=Attachment("document", reports / "bao-cao.csv", "bao-cao.csv")),
        Reply("Lạ", attachment=Attachment("document", secret, "secret.txt"))], "9.0")
    files = [e["body"]["file"] for e in (await visitor.events())["events"] if "file" in e["body"]]
    async with server.client.get(server.url + files[0]["url"]) as response:
        assert response.status == 200 and await response.text() == "a,b\n1,2\n"
        assert response.headers["Content-Disposition"].startswith("attachment;")
    async with server.client.get(server.url + files[1]["url"]) as response:
        assert response.status == 404  # outside REPORTS_DIR: never served


def test_cdsbot_run_with_no_tokens_serves_the_demo_page(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}",
           "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port), "LOG_LEVEL": "WARNING"}
    for key in ("TELEGRAM_BOT_TOKEN", "ZALO_APP_ID"):
        env.pop(key, None)
    errors = tmp_path / "stderr.log"
    process = subprocess.Popen(bot_command("run"), cwd=tmp_path, env=env, text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=errors.open("w"))
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/demo" in first and "Trang thử" in first
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/demo", timeout=30) as page:
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            assert 'data-site="demo"' in page.read().decode()
        request = urllib.request.Request(base + "/web/v1/demo/hello", headers={"Origin": base})
        with urllib.request.urlopen(request, timeout=30) as hello:
            assert json.load(hello)["labels"]["send"] == "Gửi"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, errors.read_text()[-5000:]


def test_site_keys_from_the_command_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sites.sqlite3'}",
           "WEB_PUBLIC_URL": "https://chatbot.example.gov.vn"}
    run = functools.partial(run_cli, env=env)
    added = run("web", "sites", "add", "Cổng CĐS", "--origin",
                "https://cds.example.gov.vn/trang-chu")
    assert added.returncode == 0, added.stderr
    key = added.stdout.split()[1].rstrip(":")
    assert f'data-site="{key}"' in added.stdout
    assert "https://chatbot.example.gov.vn/widget/v1.js" in added.stdout
    assert "connect-src https://chatbot.example.gov.vn" in added.stdout
    listed = run("web", "sites", "list")
    assert f"{key}\tCổng CĐS\thttps://cds.example.gov.vn" in listed.stdout
    assert run("web", "sites", "add", "x", "--origin", "ftp://nope").returncode == 2
    assert run("web", "sites", "remove", key).returncode == 0
    assert run("web", "sites", "remove", key).returncode != 0


def test_site_keys_are_letters_and_digits_a_command_line_takes_as_they_are():
    from db.web_chat import new_site_key

    keys = {new_site_key() for _ in range(2000)}
    assert len(keys) == 2000 and all(key.isascii() and key.isalnum() and len(key) == 16
                                     for key in keys)
