"""Inputs that once ended in an apology and a traceback: digits that str.isdigit() accepts and
int() or the database refuse, forged button payloads past a limit, a role checked too late.
Each now gets a clear answer, through the real pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging

import pytest

from db.models import Role
from handlers.numbers import read_id
from tests.fakes.chat import Chat
from tests.team_helpers import create_team, grant, member_of, officer

APOLOGY = "gặp sự cố"  # the pipeline's "Sorry, something went wrong on our side"


@pytest.mark.parametrize(("text", "value"), [("7", 7), ("0012", 12), ("2147483647", 2147483647),
                                             ("²", None), ("١٢", None), ("2147483648", None),
                                             ("99999999999999999999", None), ("-1", None),
                                             ("", None), ("1e3", None), (" 7", None)])
def test_read_id_takes_ascii_digits_that_fit_a_database_integer(text, value):
    assert read_id(text) == value


async def _send_all(chat: Chat, caplog: pytest.LogCaptureFixture, *, texts=(), payloads=()) -> None:
    with caplog.at_level(logging.ERROR):
        for text in texts:
            replies = await chat.send(text)
            assert replies and all(APOLOGY not in r.text.lower() for r in replies), (text, chat.text)
        for payload in payloads:
            replies = await chat.send("x", payload=payload)
            assert replies and all(APOLOGY not in r.text.lower() for r in replies), (payload, chat.text)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_citizen_with_odd_numbers_and_forged_buttons(chat: Chat, caplog):
    await chat.send("/start")
    await _send_all(chat, caplog, texts=["/to ¹", "/moi ²", "/to 99999999999999999999"],
                    payloads=["team:lead:²:1", "team:lead:99999999999999999999:1",
                              "visit:undo:99999999999999999999", "visit:undo:²",
                              "report:last:3000", "report:last:99999999", "report:last:²",
                              "bc:status:99999999999999999999", "visit:commune:²"])
    assert "chỉ cán bộ" in (await chat.send("x", payload="team:lead:1:1"))[0].text.lower()


async def test_staff_with_odd_numbers_and_forged_buttons(pipeline, caplog):
    boss = await officer(pipeline, "dong-thap")
    team_id, code = await create_team(boss)
    leader = await member_of(pipeline, code)
    await grant(pipeline, leader, Role.LEADER)
    await _send_all(boss, caplog, texts=["/to ¹", "/moi ²", f"/to {team_id}"],
                    payloads=[f"team:lead:{team_id}:²", f"team:lead:²:{team_id}",
                              "team:lead:99999999999999999999:1", "report:last:99999999",
                              "bc:pause:99999999999999999999"])
    await _send_all(leader, caplog, texts=["/moi ²", "/ghinhan"],
                    payloads=["visit:commune:²", "visit:commune:99999999999999999999",
                              "visit:undo:99999999999999999999"])


async def test_a_forged_report_button_cannot_ask_for_more_days_than_a_typed_range(pipeline):
    boss = await officer(pipeline, "dong-thap")
    await boss.send("/baocao")
    replies = await boss.send("x", payload="report:last:3000")
    assert "khoảng thời gian" in replies[0].text.lower() or "period" in replies[0].text.lower()
    assert all(r.attachment is None for r in replies)  # no 3,000-day report was made
