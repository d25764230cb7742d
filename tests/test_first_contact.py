"""Meeting the bot, meeting it again, and asking for what is not yours: through the real
pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

from bot.channels.console import ConsoleChannel, run_console
from db.repositories import UserRepository
from tests.fakes.chat import INTRODUCTION, Chat
from tests.team_helpers import create_team, member_of, officer


async def onboarded(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.press("prov:nghe-an")


async def test_a_second_start_welcomes_back_without_asking_consent_again(pipeline):
    chat = Chat(pipeline)
    await onboarded(chat)
    await chat.send("/start")
    assert "Chào bạn quay lại" in chat.text and "Tỉnh của bạn: Nghệ An" in chat.text
    assert "consent:yes" not in [b.payload for r in chat.last for b in r.buttons]
    assert "topic:contests" in [b.payload for r in chat.last for b in r.buttons]


async def test_after_erasing_my_data_the_next_message_starts_afresh(pipeline):
    chat = Chat(pipeline)
    await onboarded(chat)
    await chat.send("/xoadulieu")
    assert "bắt đầu như mới" in (await chat.press("erase:yes"))[0].text
    replies = await chat.send("ngay chuyen doi so la ngay nao")
    assert "10/10" in replies[0].text and "Nguồn:" in replies[0].text  # what they asked, first
    assert "Nghị định 13/2023" in chat.text  # then what is stored and why
    assert "consent:yes" in [b.payload for b in replies[-1].buttons]
    await chat.press("consent:yes")
    assert "tỉnh, thành phố nào" in chat.text


async def test_a_first_question_is_answered_then_the_bot_introduces_itself(pipeline):
    chat = Chat(pipeline)
    replies = await chat.send("cuoc thi tim hieu chuyen doi so tien giang vong loai den ngay nao")
    assert "15/10/2022" in replies[0].text
    assert "Nghị định 13/2023" in chat.text
    await chat.send("ngày cđs là ngày nào")  # not a yes or no: a question again, answered
    assert "10/10" in chat.last[0].text


async def test_a_restricted_command_says_who_it_is_for_and_how_to_get_there(pipeline):
    citizen = Chat(pipeline)
    await onboarded(citizen)
    await citizen.send("/ghinhan")
    assert "thành viên Tổ công nghệ số cộng đồng" in citizen.text and "/thamgia" in citizen.text
    await citizen.send("/thongbao")
    assert "dành cho cán bộ" in citizen.text and "thành viên" not in citizen.text
    boss = await officer(pipeline, "dong-thap")
    _, code = await create_team(boss)
    member = await member_of(pipeline, code)
    await member.send("/baocao")
    assert "tổ trưởng và cán bộ" in member.text and "/to" in member.text
    await member.send("/ghinhan")  # what a member may do still works
    assert "ngày nào" in member.text


async def test_start_twice_before_answering_asks_for_consent_again(pipeline):
    chat = Chat(pipeline)
    await chat.send("/start")
    await chat.send("/start")  # the consent question was not answered yet
    assert "consent:yes" in [b.payload for r in chat.last for b in r.buttons]
    assert "Chào bạn quay lại" not in chat.text


async def test_a_first_hello_gets_one_greeting_and_a_first_command_the_introduction(pipeline):
    hello = Chat(pipeline)
    replies = await hello.send("chào bạn")
    assert len(replies) == 1 and INTRODUCTION in replies[0].text  # not two greetings
    english = Chat(pipeline)
    replies = await english.send("/lang en")
    assert "Decree 13/2023" in replies[-1].text  # the introduction, in the chosen language
    assert "consent:yes" in [b.payload for b in replies[-1].buttons]


async def test_reopening_the_console_keeps_an_open_question_open(pipeline):
    first = ConsoleChannel(pipeline, "c-reopen", out=io.StringIO())
    await run_console(first, stdin=io.StringIO("/xoadulieu\n/quit\n"))
    second = ConsoleChannel(pipeline, "c-reopen", out=io.StringIO())
    await run_console(second, stdin=io.StringIO("/quit\n"))
    assert "Chào bạn quay lại" not in second.out.getvalue()  # no /start sent on reopening
    async with pipeline.sessions() as session:
        identity = await UserRepository(session).find("console", "c-reopen")
        assert identity is not None and identity.state is not None
        assert identity.state.name == "account.erase"  # still waiting for the answer


async def test_the_vietnamese_command_list_leaves_english_aliases_out(pipeline):
    chat = Chat(pipeline)
    await chat.send("/trogiup")  # "help": the command list, as /help
    assert "/nhacnho" in chat.text and "/reminders" not in chat.text and "/report" not in chat.text
    await chat.send("/lang en")
    await chat.send("/help")
    assert "/reminders" in chat.text


async def test_reminders_for_a_citizen_say_nothing_reaches_them_unsubscribed(pipeline):
    chat = Chat(pipeline)
    await onboarded(chat)
    await chat.send("/nhacnho")
    payloads = [b.payload for r in chat.last for b in r.buttons]
    assert "rem:contest" in payloads and "rem:deadline" not in payloads  # leaders' reminder
    assert "/dangky" in chat.text and "chưa đăng ký" in chat.text.lower()
