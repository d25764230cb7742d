"""Pure conversions of the Telegram adapter: updates in, text out."""

from __future__ import annotations

from telegram import Update

from bot.channels.telegram import escape, split_text, to_incoming
from bot.throttle import Throttle, Verdict

USER = {"id": 42, "is_bot": False, "first_name": "An", "language_code": "vi"}
PRIVATE = {"id": 42, "type": "private", "first_name": "An"}
GROUP = {"id": -100, "type": "supergroup", "title": "Tổ CNSCĐ"}


def update(**fields) -> Update:
    return Update.de_json({"update_id": 7, **fields}, None)


def message(text: str, chat=PRIVATE, **extra) -> dict:
    return {"message_id": 1, "date": 0, "chat": chat, "from": USER, "text": text, **extra}


def test_text_message():
    msg = to_incoming(update(message=message("ngày cds là ngày nào")), "cdsbot")
    assert msg is not None
    assert (msg.channel, msg.user_id, msg.chat_id, msg.text) == ("telegram", "42", "42", "ngày cds là ngày nào")
    assert msg.update_id == "7" and msg.locale_hint == "vi" and not msg.is_group


def test_command_with_botname_and_deep_link():
    msg = to_incoming(update(message=message("/start@cdsbot abc123")), "cdsbot")
    assert msg is not None and msg.command == ("/start", "abc123")


def test_callback_query_becomes_a_payload():
    query = {"id": "q1", "from": USER, "chat_instance": "x", "data": "topic:contests",
             "message": message("menu")}
    msg = to_incoming(update(callback_query=query), "cdsbot")
    assert msg is not None and msg.payload == "topic:contests" and msg.chat_id == "42"


def test_blocking_and_unblocking_are_events():
    def member(status: str) -> dict:
        return {"chat": PRIVATE, "from": USER, "date": 0,
                "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "b"}},
                "new_chat_member": {"status": status, "user": {"id": 1, "is_bot": True, "first_name": "b"},
                                    **({"until_date": 0} if status == "kicked" else {})}}
    assert to_incoming(update(my_chat_member=member("kicked")), "cdsbot").event == "blocked"
    assert to_incoming(update(my_chat_member=member("member")), "cdsbot").event == "unblocked"


def test_group_messages_need_a_command_or_a_mention():
    plain = to_incoming(update(message=message("chào cả nhà", chat=GROUP)), "cdsbot")
    assert plain.is_group and not plain.addressed
    mentioned = to_incoming(update(message=message("@CDSBot ngày cds là ngày nào", chat=GROUP)), "cdsbot")
    assert mentioned.addressed and mentioned.text == "ngày cds là ngày nào"
    command = to_incoming(update(message=message("/menu@cdsbot", chat=GROUP)), "cdsbot")
    assert command.addressed


def test_a_photo_arrives_with_its_largest_size_and_other_media_are_unsupported():
    sizes = [{"file_id": "small", "file_unique_id": "u1", "width": 90, "height": 90},
             {"file_id": "large", "file_unique_id": "u2", "width": 1280, "height": 1280}]
    photo = {"message_id": 1, "date": 0, "chat": PRIVATE, "from": USER, "photo": sizes}
    incoming = to_incoming(update(message=photo), "cdsbot")
    assert (incoming.photo, incoming.event) == ("large", None)
    sticker = {"message_id": 2, "date": 0, "chat": PRIVATE, "from": USER,
               "sticker": {"file_id": "s", "file_unique_id": "s1", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False, "type": "regular"}}
    assert to_incoming(update(message=sticker), "cdsbot").event == "unsupported"


def test_html_is_escaped():
    assert escape("<b>5 < 6 & 7</b>") == "&lt;b&gt;5 &lt; 6 &amp; 7&lt;/b&gt;"


def test_long_text_splits_on_paragraphs_and_every_part_fits():
    paragraphs = [f"Đoạn {i}: " + "chữ " * 300 for i in range(10)]
    parts = split_text("\n\n".join(paragraphs))
    assert len(parts) > 1 and all(len(escape(p)) <= 4096 for p in parts)
    assert parts[0].startswith("Đoạn 0") and all(p.startswith("Đoạn") for p in parts)
    assert "".join(parts).replace("\n", "") == "".join(paragraphs)


def test_text_of_only_ampersands_still_fits_after_escaping():
    parts = split_text("&" * 5000)
    assert all(len(escape(p)) <= 4096 for p in parts) and sum(map(len, parts)) == 5000


def test_throttle_warns_once_then_drops_then_recovers():
    now = [0.0]
    throttle = Throttle(3, 10.0, clock=lambda: now[0])
    assert [throttle.check("u") for _ in range(3)] == [Verdict.ALLOW] * 3
    assert throttle.check("u") is Verdict.WARN
    assert throttle.check("u") is Verdict.DROP
    assert throttle.check("other") is Verdict.ALLOW
    now[0] = 11.0
    assert throttle.check("u") is Verdict.ALLOW


def test_webhook_settings_need_a_valid_secret():
    import pytest
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(_env_file=None, telegram_webhook_url="https://x/webhooks/telegram")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(_env_file=None, telegram_webhook_url="https://x/webhooks/telegram",  # type: ignore[call-arg]
                 telegram_webhook_secret="has spaces!")
    ok = Settings(_env_file=None, telegram_webhook_url="https://x/webhooks/telegram",  # type: ignore[call-arg]
                  telegram_webhook_secret="abc_DEF-123")
    assert ok.telegram_webhook_secret is not None
