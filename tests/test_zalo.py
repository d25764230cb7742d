"""The Zalo OA channel against a fake Zalo server on loopback: signed webhook events in, OA API
v3 messages out, OAuth v4 token rotation, with the real pipeline and a real SQLite database."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest

from bot.channels.zalo import to_incoming
from bot.channels.zalo_client import ZaloTokens
from bot.channels.zalo_outgoing import messages_for
from db.engine import create_engine, session_factory
from db.models import ButtonChoices, ChannelIdentity, QuestionLog, Subscription, User
from handlers.messages import Button, Reply
from tests.clock_travel import bot_command
from tests.fakes.zalo_api import FakeZalo, signature
from tests.zalo_harness import Zalo, texts


@pytest.mark.parametrize("tamper", ["bad_signature", "missing_header", "stale", "malformed"])
async def test_forged_or_broken_events_are_rejected_and_nothing_is_stored(zalo: Zalo, tamper: str):
    event = zalo.fake.text_event("u2", "ngày chuyển đổi số là ngày nào")
    body, headers = zalo.fake.signed_event(event)
    expected = 401
    if tamper == "bad_signature":
        body = body.replace(b"u2", b"u3")
    elif tamper == "missing_header":
        headers = {"Content-Type": "application/json"}
    elif tamper == "stale":
        event = zalo.fake.text_event("u2", "x", timestamp_ms=int((time.time() - 86_400) * 1000))  # real clock: Zalo's
        body, headers = zalo.fake.signed_event(event)
    else:
        body = b"{not json"  # with the signature of another body: refused before parsing
    assert await zalo.post(event, body=body, headers=headers) == expected
    assert await zalo.count(User) == 0 and await zalo.count(QuestionLog) == 0
    assert zalo.fake.sent == []


def _signed_raw(zalo: Zalo, body: bytes, timestamp: str) -> dict[str, str]:
    mac = signature(zalo.fake.app_id, body, timestamp, zalo.fake.oa_secret_key)
    return {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


async def test_signed_bodies_that_are_not_events_get_400_and_nothing_is_stored(zalo: Zalo):
    now = str(int(time.time() * 1000))  # real clock: Zalo's replay window
    deep = b'{"timestamp":"' + now.encode() + b'","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for body in (deep, b'[{"timestamp":"' + now.encode() + b'"}]', b'{"timestamp":"' + now.encode()
                 + b'", "broken'):
        assert await zalo.post({}, body=body, headers=_signed_raw(zalo, body, now)) == 400
    assert await zalo.count(User) == 0 and zalo.fake.sent == []


async def test_signed_events_of_an_odd_shape_are_logged_and_ignored(zalo: Zalo, caplog):
    odd = [{**zalo.fake.text_event("u30", "chào"), "sender": "u30"},
           {**zalo.fake.text_event("u31", "chào"), "message": ["text"]},
           zalo.fake.text_event("u" * 65, "chào"),  # longer than any Zalo id
           zalo.fake.text_event("u33", "chào", msg_id="m" * 129)]
    with caplog.at_level(logging.WARNING):
        for event in odd:
            assert await zalo.post(event) == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4 and all("Zalo event" in w for w in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await zalo.count(User) == 0 and zalo.fake.sent == []


async def test_signature_without_mac_prefix_is_accepted(zalo: Zalo):
    body, headers = zalo.fake.signed_event(zalo.fake.text_event("u4", "/menu"), mac_prefix=False)
    assert await zalo.post({}, body=body, headers=headers) == 200
    assert zalo.fake.sent_to("u4")


async def test_a_duplicated_event_is_handled_once(zalo: Zalo):
    event = zalo.fake.text_event("u5", "ngày chuyển đổi số là ngày nào", msg_id="m-1")
    assert await zalo.post(event) == 200
    assert await zalo.post(event) == 200
    assert await zalo.count(QuestionLog) == 1
    assert len(zalo.fake.sent_to("u5")) == 1


async def test_own_echoes_are_ignored_and_images_get_a_polite_answer(zalo: Zalo):
    assert await zalo.post(zalo.fake.oa_echo_event("u6", "xin chào")) == 200
    assert zalo.fake.sent_to("u6") == [] and await zalo.count(User) == 0
    assert await zalo.post(zalo.fake.image_event("u6")) == 200
    assert "chữ" in texts(zalo.fake.sent_to("u6"))


async def test_unfollow_pauses_and_a_new_message_resumes(zalo: Zalo):
    await zalo.say("u7", "/dangky cuoc thi")
    assert await zalo.post(zalo.fake.unfollow_event("u7")) == 200
    assert await zalo.count(ChannelIdentity, ChannelIdentity.reachable.is_(False)) == 1
    assert await zalo.count(Subscription) == 1  # kept, paused by reachability
    await zalo.say("u7", "/menu")
    assert await zalo.count(ChannelIdentity, ChannelIdentity.reachable.is_(True)) == 1


async def test_token_expiry_mid_conversation_refreshes_once_and_delivers(zalo: Zalo):
    await zalo.say("u8", "/menu")
    assert zalo.channel.platform.tokens is not None
    current = await zalo.channel.platform.tokens.access_token()
    zalo.fake.expire_access_token(current)
    answer = await zalo.say("u8", "ngày chuyển đổi số là ngày nào")
    assert "10/10" in texts(answer)
    assert zalo.fake.refresh_calls == 1


async def test_two_workers_refreshing_at_once_make_one_oauth_call(zalo: Zalo):
    assert zalo.channel.platform.tokens is not None and zalo.channel.platform.http is not None
    stale = await zalo.channel.platform.tokens.access_token()
    zalo.fake.token_delay = 0.3
    other_worker = ZaloTokens(zalo.pipeline.sessions, zalo.channel.platform.http, zalo.fake.oauth_base_url,
                              "app1", "appsecret")
    first, second = await asyncio.gather(zalo.channel.platform.tokens.refresh(stale), other_worker.refresh(stale))
    assert first == second != stale
    assert zalo.fake.refresh_calls == 1


async def test_one_unreachable_user_does_not_stop_others(zalo: Zalo):
    await zalo.say("u9", "/menu")
    await zalo.say("u10", "/menu")
    zalo.fake.set_user_error("u9", -230)
    before = len(zalo.fake.sent_to("u9"))
    assert await zalo.post(zalo.fake.text_event("u9", "ngày chuyển đổi số là ngày nào")) == 200
    await zalo.channel.idle()  # the answer could not be sent: u9 is marked unreachable
    assert len(zalo.fake.sent_to("u9")) == before
    assert "10/10" in texts(await zalo.say("u10", "ngày chuyển đổi số là ngày nào"))
    unreachable = await zalo.count(ChannelIdentity, ChannelIdentity.reachable.is_(False),
                                   ChannelIdentity.external_id == "u9")
    assert unreachable == 1
    assert await zalo.count(ChannelIdentity, ChannelIdentity.reachable.is_(False)) == 1


async def test_rate_limit_is_retried(zalo: Zalo):
    zalo.channel.platform.client.backoff = 0.01
    zalo.fake.fail_next(-32)
    assert "10/10" in texts(await zalo.say("u11", "ngày chuyển đổi số là ngày nào"))


def test_long_text_and_many_buttons_follow_zalos_limits():
    reply = Reply("đoạn văn " * 600, tuple(Button(f"Nút {i}", f"x:{i}") for i in range(7)))
    messages, choices = messages_for(reply, 2000, 5, "Hoặc gõ số để chọn:")
    assert all(len(m["text"]) <= 2000 for m in messages)
    counts = [len(m.get("attachment", {}).get("payload", {}).get("buttons", [])) for m in messages]
    assert counts[-1] == 5 and sum(counts) == 5
    assert "6. Nút 5" in messages[-1]["text"] and "7. Nút 6" in messages[-1]["text"]
    assert choices == {"6": "x:5", "7": "x:6"}


async def test_typing_a_listed_number_presses_that_button(zalo: Zalo):
    # The menu has six buttons: Zalo shows five, the sixth is listed as "6. …".
    reply = await zalo.say("u13", "/menu")
    text = texts(reply)
    assert "6. " in text and len(reply[-1].buttons) == 5
    label = text.split("6. ")[1].splitlines()[0]
    answer = texts(await zalo.say("u13", "6"))
    assert answer and label  # the sixth menu entry opened, not an FAQ lookup of "6"
    assert "chưa có thông tin" not in answer


async def test_deleting_my_data_also_deletes_the_numbered_buttons_kept_for_me(zalo: Zalo):
    await zalo.say("u15", "/menu")  # six buttons: the numbers are kept under the Zalo user id
    assert await zalo.count(ButtonChoices, ButtonChoices.user_id == "u15") == 1
    await zalo.say("u15", "/xoadulieu")
    assert "đã được xoá" in texts(await zalo.press("u15", "erase:yes"))
    assert await zalo.count(ButtonChoices, ButtonChoices.user_id == "u15") == 0
    assert await zalo.count(User) == 0


async def test_a_used_up_quota_is_recorded_for_officers(zalo: Zalo):
    from sqlalchemy import text as sql

    await zalo.say("u14", "/menu")
    zalo.fake.fail_next(-211, "Out of quota")
    await zalo.channel.send("u14", [Reply("Thông báo")])
    await zalo.say("u14", "/canhbao")
    assert "chỉ dành cho" in texts(zalo.fake.sent_to("u14")[-1:])  # a citizen may not see alerts
    async with zalo.pipeline.sessions() as session, session.begin():
        await session.execute(sql("UPDATE users SET role = 3"))
    shown = texts(await zalo.say("u14", "/canhbao"))
    assert "-211" in shown and "zalo" in shown


def test_events_map_to_the_core():
    assert to_incoming({"event_name": "user_send_text", "sender": {"id": "9"},
                        "message": {"text": "#cds:topic:day", "msg_id": "a"}, "timestamp": "1"}).payload == "topic:day"
    assert to_incoming({"event_name": "follow", "follower": {"id": "9"}, "timestamp": "1"}).event == "follow"
    assert to_incoming({"event_name": "user_send_sticker", "sender": {"id": "9"}, "message": {},
                        "timestamp": "1"}).event == "unsupported"
    assert to_incoming({"event_name": "something_new", "sender": {"id": "9"}, "timestamp": "1"}) is None
    assert json.dumps(to_incoming({"event_name": "oa_send_text"})) == "null"


ROOT = str(Path(__file__).resolve().parent.parent)


async def _cdsbot(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    import os

    process = await asyncio.create_subprocess_exec(
        *bot_command(*args), env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=ROOT)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_operator_obtains_the_first_token_pair_with_pkce(tmp_path: Path):
    from urllib.parse import parse_qs, urlparse

    from db.models import ZaloToken
    from tests.fakes.zalo_api import code_challenge

    async with FakeZalo(app_id="app1", app_secret="appsecret", oa_secret_key="oakey") as fake:
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
        env = {"DATABASE_URL": url, "ZALO_APP_ID": "app1", "ZALO_APP_SECRET": "appsecret",
               "ZALO_OA_SECRET_KEY": "oakey", "ZALO_REDIRECT_URI": "https://bot.example/cb",
               "ZALO_OAUTH_BASE_URL": fake.oauth_base_url}
        code, out, err = await _cdsbot("zalo", "auth-url", env=env)
        assert code == 0, err
        link = out.splitlines()[0]
        verifier = out.split("code_verifier: ")[1].split()[0]
        challenge = parse_qs(urlparse(link).query)["code_challenge"][0]
        assert challenge == code_challenge(verifier)
        fake.register_code("the-code", challenge)
        code, out, err = await _cdsbot("zalo", "exchange", "the-code", "--verifier", verifier, env=env)
        assert code == 0, err
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            row = await session.get(ZaloToken, 1)
            assert row is not None and fake.is_valid_access_token(row.access_token)
        await engine.dispose()


async def test_images_and_documents_are_uploaded_then_sent(zalo: Zalo, tmp_path: Path):
    from handlers.messages import Attachment

    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    report = tmp_path / "bao-cao.csv"
    report.write_text("xã;lượt\nMỹ Phong;3\n", encoding="utf-8")
    await zalo.say("u12", "/menu")
    await zalo.channel.send("u12", [
        Reply("Biểu đồ", attachment=Attachment("image", chart, "chart.png", caption="Lượt hỗ trợ")),
        Reply("Báo cáo", attachment=Attachment("document", report, "bao-cao.csv"))])
    assert [u["kind"] for u in zalo.fake.uploads] == ["image", "file"]
    sent = zalo.fake.sent_to("u12")
    assert sent[-3].attachment["payload"]["elements"][0]["attachment_id"] == zalo.fake.uploads[0]["key"]
    assert sent[-1].attachment == {"type": "file", "payload": {"token": zalo.fake.uploads[1]["key"]}}


async def test_a_flooding_zalo_user_is_throttled_and_redeliveries_do_not_count(zalo: Zalo):
    repeated = zalo.fake.text_event("flood", "ngày chuyển đổi số là ngày nào", msg_id="same-1")
    for _ in range(20):  # one event delivered twenty times: one answer, no warning
        assert await zalo.post(repeated) == 200
    assert len(zalo.fake.sent_to("flood")) == 1
    for n in range(20):  # twenty new messages at once: the allowance, then one warning
        assert await zalo.post(zalo.fake.text_event("flood", f"cuộc thi {n}")) == 200
    replies = texts(zalo.fake.sent_to("flood")[1:])
    assert replies.count("nhanh. Bạn chờ") == 1
    assert len(zalo.fake.sent_to("flood")) < 1 + 20  # the quota is not spent on every message


async def test_the_words_zalo_adds_to_a_reply_are_in_the_readers_language(zalo: Zalo):
    vietnamese = texts(await zalo.say("u40", "/menu"))
    assert "Hoặc gõ số để chọn:" in vietnamese  # six topics: more than one message's buttons
    english = texts(await zalo.say("u40", "/lang en"))
    assert "Or type a number:" in english and "Hoặc gõ" not in english
