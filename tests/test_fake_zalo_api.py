"""The fake Zalo OA server must answer like PLATFORMS.md describes Zalo's OA and OAuth v4 APIs."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.zalo_api import FakeZalo, code_challenge

APP_ID, APP_SECRET, OA_KEY = "app1", "appsecret", "oakey"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    async with FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, oa_secret_key=OA_KEY,
                        oa_id="oa1") as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(http: aiohttp.ClientSession, zalo: FakeZalo, token: str | None, user_id: str,
               text: str = "hi", **message: Any) -> dict[str, Any]:
    headers = {"access_token": token} if token is not None else {}
    body = {"recipient": {"user_id": user_id}, "message": {"text": text, **message}}
    async with http.post(f"{zalo.api_base_url}/v3.0/oa/message/cs", json=body,
                         headers=headers) as resp:
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


async def token_call(http: aiohttp.ClientSession, zalo: FakeZalo, form: dict[str, str],
                     secret: str = APP_SECRET) -> dict[str, Any]:
    async with http.post(f"{zalo.oauth_base_url}/v4/oa/access_token",
                         data={"app_id": APP_ID, **form}, headers={"secret_key": secret}) as resp:
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


async def refresh(http: aiohttp.ClientSession, zalo: FakeZalo, rt: str) -> dict[str, Any]:
    return await token_call(http, zalo, {"grant_type": "refresh_token", "refresh_token": rt})


async def test_send_success_is_recorded(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    result = await send(http, zalo, at, "u1", "xin chào")
    assert result["error"] == 0 and result["message"] == "Success"
    assert result["data"]["user_id"] == "u1" and result["data"]["message_id"]
    [record] = zalo.sent
    assert (record.user_id, record.text, record.endpoint) == ("u1", "xin chào", "cs")
    assert record.message_id == result["data"]["message_id"] and record.buttons == []
    assert len(zalo.calls) == 1 and zalo.calls[0].access_token == at
    assert await zalo.wait_for(lambda r: r.text == "xin chào") is record


async def test_buttons_and_image_attachments(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    buttons = [{"title": f"B{i}", "type": "oa.query.show", "payload": f"p{i}"} for i in range(5)]
    ok = await send(http, zalo, at, "u1", "pick",
                    attachment={"type": "template", "payload": {"buttons": buttons}})
    assert ok["error"] == 0 and zalo.sent[0].buttons == buttons
    too_many = buttons + [{"title": "B6", "type": "oa.query.show", "payload": "p6"}]
    bad = await send(http, zalo, at, "u1", "pick",
                     attachment={"type": "template", "payload": {"buttons": too_many}})
    assert bad["error"] == -201
    image = {"type": "template", "payload": {"template_type": "media", "elements": [
        {"media_type": "image", "url": "https://img.example/a.png"}]}}
    assert (await send(http, zalo, at, "u1", "", attachment=image))["error"] == -201  # empty text
    body = {"recipient": {"user_id": "u1"}, "message": {"attachment": image}}
    async with http.post(f"{zalo.api_base_url}/v3.0/oa/message/transaction", json=body,
                         headers={"access_token": at}) as resp:
        assert (await resp.json())["error"] == 0
    assert zalo.sent[-1].image_url == "https://img.example/a.png"
    assert zalo.sent[-1].endpoint == "transaction"


async def test_missing_or_unknown_token_is_216(zalo: FakeZalo,
                                               http: aiohttp.ClientSession) -> None:
    assert await send(http, zalo, None, "u1") == {"error": -216,
                                                  "message": "Access token is invalid"}
    assert (await send(http, zalo, "nope", "u1"))["error"] == -216
    assert zalo.sent == [] and len(zalo.calls) == 2


async def test_expired_token_is_220(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    zalo.expire_access_token(at)
    assert await send(http, zalo, at, "u1") == {"error": -220,
                                                "message": "Access token has expired"}


async def test_invalid_parameters_are_201(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    assert (await send(http, zalo, at, "u1", "x" * 2000))["error"] == 0
    over = await send(http, zalo, at, "u1", "x" * 2001)
    assert over == {"error": -201, "message": "Parameters are invalid"}
    async with http.post(f"{zalo.api_base_url}/v3.0/oa/message/cs", headers={"access_token": at},
                         json={"message": {"text": "no recipient"}}) as resp:
        assert (await resp.json())["error"] == -201
    assert len(zalo.sent) == 1


async def test_user_error_is_sticky_per_user(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    zalo.set_user_error("cold", -230, "User has not interacted with the OA in the past 7 days")
    for _ in range(2):
        result = await send(http, zalo, at, "cold")
        assert result == {"error": -230,
                          "message": "User has not interacted with the OA in the past 7 days"}
    assert (await send(http, zalo, at, "warm"))["error"] == 0
    zalo.clear_user_error("cold")
    assert (await send(http, zalo, at, "cold"))["error"] == 0
    assert [r.user_id for r in zalo.sent] == ["warm", "cold"]


async def test_fail_next_rate_limit(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    zalo.fail_next(-32, "Exceeded the rate limit", times=2)
    assert (await send(http, zalo, at, "u1"))["error"] == -32
    assert (await send(http, zalo, at, "u2"))["error"] == -32
    assert (await send(http, zalo, at, "u1"))["error"] == 0
    assert len(zalo.sent) == 1 and len(zalo.calls) == 3


async def test_wait_for_times_out_listing_sent(zalo: FakeZalo,
                                              http: aiohttp.ClientSession) -> None:
    at, _ = zalo.issue_tokens()
    await send(http, zalo, at, "u1", "first")
    with pytest.raises(TimeoutError, match="first"):
        await zalo.wait_for(lambda r: r.text == "never", timeout=0.1)
    waiter = asyncio.create_task(zalo.wait_for(lambda r: r.text == "later"))
    await send(http, zalo, at, "u1", "later")
    assert (await waiter).text == "later"


async def test_refresh_is_single_use_and_revokes_old_pair(
        zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    at, rt = zalo.issue_tokens()
    new = await refresh(http, zalo, rt)
    assert set(new) == {"access_token", "refresh_token", "expires_in"}
    assert new["expires_in"] == "90000" and new["access_token"] != at
    again = await refresh(http, zalo, rt)
    assert again["error"] < 0 and "access_token" not in again
    assert zalo.refresh_calls == 2
    assert (await send(http, zalo, at, "u1"))["error"] == -216
    assert (await send(http, zalo, new["access_token"], "u1"))["error"] == 0
    assert "access_token" in await refresh(http, zalo, new["refresh_token"])
    assert zalo.refresh_calls == 3


async def test_token_endpoint_checks_secret_key(zalo: FakeZalo,
                                                http: aiohttp.ClientSession) -> None:
    _, rt = zalo.issue_tokens()
    form = {"grant_type": "refresh_token", "refresh_token": rt}
    bad = await token_call(http, zalo, form, secret="wrong")
    assert bad["error"] == -14014 and bad["error_name"] and "access_token" not in bad
    assert "access_token" in await token_call(http, zalo, form)  # rt was not consumed


async def test_concurrent_refreshes_only_one_wins(zalo: FakeZalo,
                                                  http: aiohttp.ClientSession) -> None:
    _, rt = zalo.issue_tokens()
    zalo.token_delay = 0.2
    results = await asyncio.gather(refresh(http, zalo, rt), refresh(http, zalo, rt))
    assert sorted("access_token" in r for r in results) == [False, True]
    assert zalo.refresh_calls == 2


async def test_authorization_code_with_pkce(zalo: FakeZalo, http: aiohttp.ClientSession) -> None:
    verifier = "v" * 43
    zalo.register_code("code1", code_challenge(verifier))
    form = {"grant_type": "authorization_code", "code": "code1"}
    wrong = await token_call(http, zalo, {**form, "code_verifier": "w" * 43})
    assert wrong["error"] < 0
    ok = await token_call(http, zalo, {**form, "code_verifier": verifier})
    assert ok["expires_in"] == "90000"
    assert zalo.is_valid_access_token(ok["access_token"])
    reused = await token_call(http, zalo, {**form, "code_verifier": verifier})
    assert reused["error"] < 0
    assert zalo.refresh_calls == 0


def test_signed_event_signature(zalo: FakeZalo) -> None:
    event = zalo.text_event("u1", "xin chào", msg_id="m1", timestamp_ms=1700000000000)
    assert event["event_name"] == "user_send_text" and event["timestamp"] == "1700000000000"
    assert event["sender"] == {"id": "u1"} and event["recipient"] == {"id": "oa1"}
    assert event["message"] == {"text": "xin chào", "msg_id": "m1"}
    body, headers = zalo.signed_event(event)
    assert json.loads(body) == event and headers["Content-Type"] == "application/json"
    expected = hashlib.sha256(
        APP_ID.encode() + body + b"1700000000000" + OA_KEY.encode()).hexdigest()
    assert headers["X-ZEvent-Signature"] == f"mac={expected}"
    _, bare = zalo.signed_event(event, mac_prefix=False)
    assert bare["X-ZEvent-Signature"] == expected


def test_event_builders(zalo: FakeZalo) -> None:
    follow = zalo.follow_event("u1")
    assert follow["event_name"] == "follow" and follow["follower"] == {"id": "u1"}
    assert follow["oa_id"] == "oa1" and follow["timestamp"].isdigit()
    assert zalo.unfollow_event("u1")["event_name"] == "unfollow"
    image = zalo.image_event("u1")
    assert image["event_name"] == "user_send_image"
    assert image["message"]["attachments"][0]["type"] == "image"
    echo = zalo.oa_echo_event("u1", "hello")
    assert echo["event_name"] == "oa_send_text" and echo["sender"] == {"id": "oa1"}
