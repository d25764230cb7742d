"""Our aiohttp transport for python-telegram-bot keeps PTB's contract: answers, timeouts and
transport failures come out as PTB expects, so its retry and error handling work unchanged."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram_http import AiohttpRequest
from tests.fakes.loopback import LoopbackServer


class EchoServer(LoopbackServer):
    """Answers every request with what it received; /slow waits first."""

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/echo", self.echo)
        app.router.add_post("/slow", self.slow)
        app.router.add_post("/bad", self.bad)
        return app

    async def echo(self, request: web.Request) -> web.Response:
        if request.content_type == "multipart/form-data":
            parts = {}
            async for part in await request.multipart():
                parts[part.name] = {"filename": part.filename,  # type: ignore[union-attr]
                                    "data": (await part.read()).decode()}  # type: ignore[union-attr]
            return web.json_response({"multipart": parts})
        return web.json_response({"form": dict(await request.post()),
                                  "agent": request.headers.get("User-Agent")})

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    async def bad(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 400,
                                  "description": "Bad Request: chat not found"}, status=400)


@pytest.fixture
async def server():
    async with EchoServer() as running:
        yield running


@pytest.fixture
async def transport():
    request = AiohttpRequest(connection_pool_size=4, read_timeout=0.3)
    await request.initialize()
    yield request
    await request.shutdown()


def data(**parameters: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in parameters.items()])


async def test_parameters_are_sent_form_encoded_as_json_values(server, transport):
    status, body = await transport.do_request(
        f"http://127.0.0.1:{server.port}/echo", "POST", data(chat_id=7, text="Xin chào"))
    answer = json.loads(body)
    assert status == 200
    assert answer["form"] == {"chat_id": "7", "text": "Xin chào"}
    assert answer["agent"].startswith("python-telegram-bot")


async def test_files_go_as_multipart_with_the_other_parameters(server, transport):
    document = InputFile(b"a,b\n1,2\n", filename="bao-cao.csv")
    status, body = await transport.do_request(
        f"http://127.0.0.1:{server.port}/echo", "POST", data(chat_id=7, document=document))
    parts = json.loads(body)["multipart"]
    assert status == 200
    assert parts["chat_id"]["data"] == "7"
    [upload] = [p for p in parts.values() if p["filename"] == "bao-cao.csv"]
    assert upload["data"] == "a,b\n1,2\n"


async def test_a_slow_answer_raises_timed_out(server, transport):
    with pytest.raises(TimedOut):
        await transport.do_request(f"http://127.0.0.1:{server.port}/slow", "POST", data(x=1))
    # an explicit timeout from PTB wins over the default
    with pytest.raises(TimedOut):
        await transport.do_request(f"http://127.0.0.1:{server.port}/slow", "POST", data(x=1),
                                   read_timeout=0.1)


async def test_a_refused_connection_raises_network_error(transport):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError) as raised:
        await transport.do_request(f"http://127.0.0.1:{port}/echo", "POST", data(x=1))
    assert not isinstance(raised.value, TimedOut)


async def test_ptb_turns_error_answers_into_its_exceptions(server, transport):
    """BaseRequest.post (PTB's own code) reads the status and body we return."""
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await transport.post(f"http://127.0.0.1:{server.port}/bad", data(chat_id=1))


async def test_use_before_initialize_is_refused():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")
