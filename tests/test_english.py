"""A reader who chose English (/lang en) never gets a message that mixes two languages: the
bot speaks English, and answers taken from the plans (written in Vietnamese) come whole in
Vietnamese, announced in English in a message of their own (through the real pipeline)."""

from __future__ import annotations

import re

import pytest

from handlers.messages import Reply
from tests.fakes.chat import Chat

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
ENGLISH_LABELS = ("Source:", "Applies to", "Did you mean", "Choose below", "Common questions",
                  "Upcoming:", "Running:", "Over")
TOPICS = ("day", "themes", "contests", "events", "promotions", "teams", "resources")


def check_one_language(reply: Reply) -> None:
    """A Vietnamese answer carries no English label; an English message no Vietnamese buttons."""
    if "Source:" in reply.text:  # an English source line under a Vietnamese answer: mixed
        assert not VIETNAMESE.search(reply.text), reply.text
    if "Nguồn:" in reply.text:
        assert not any(label in reply.text for label in ENGLISH_LABELS), reply.text
    else:
        # (a link is named by the page's own title, as the page is: not counted)
        vietnamese_buttons = [b.label for b in reply.buttons
                              if b.url is None and VIETNAMESE.search(b.label)]
        if not VIETNAMESE.search(reply.text.split("\n")[0]):  # an English message
            assert vietnamese_buttons == [], (reply.text[:80], vietnamese_buttons)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_nothing_an_english_reader_gets_mixes_two_languages(pipeline):
    chat = Chat(pipeline)
    await chat.send("/start")
    await chat.press("consent:no")
    await chat.send("/lang en")
    faq_payloads: set[str] = set()
    for topic in TOPICS:
        for reply in await chat.send("", payload=f"topic:{topic}"):
            check_one_language(reply)
            faq_payloads |= {b.payload or "" for b in reply.buttons
                             if (b.payload or "").startswith("faq:")}
    assert len(faq_payloads) > 10
    for payload in sorted(faq_payloads):
        replies = await chat.send("", payload=payload)
        assert replies[0].text.startswith("The plans are written in Vietnamese")
        assert "Nguồn:" in replies[1].text
        for reply in replies:
            check_one_language(reply)
    for question in ("ngay chuyen doi so la ngay nao", "contests", "events",
                     "what is the weather tomorrow"):
        for reply in await chat.send(question):
            check_one_language(reply)
    await chat.send("contests")
    assert chat.last[0].text.startswith("Contests:")  # English topic words open the topic
