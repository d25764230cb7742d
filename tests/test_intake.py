"""The intake on SQLite and PostgreSQL: a redelivered message is handled once, redeliveries do not
use up the throttle, what a stopped process left (messages not handled, replies not sent) is
taken up by the next one, two workers resuming the same messages handle each once, and a person
writing in a group keeps their private chat and gets personal answers there."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.intake import Intake
from bot.pipeline import Pipeline
from bot.throttle import Throttle
from db.engine import create_engine, session_factory
from db.inbox import Inbox
from db.models import ChannelIdentity, InboxEntry, OutboxReply, QuestionLog, Role
from db.repositories import UserRepository
from handlers.context import Services
from handlers.messages import IncomingMessage, Reply, message_to_json
from tests.conftest import FIXED_NOW
from tests.fakes.chat import INTRODUCTION

QUESTION = "ngay chuyen doi so la ngay nao"


class Platform:
    """What reaches people: (chat id, text) in order. `down` makes sending fail, as a platform
    that cannot be reached does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.down = False

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        if self.down:
            raise ConnectionError("platform unreachable")
        self.sent.extend((chat_id, reply.text) for reply in replies)

    def texts(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def make_intake(pipeline: Pipeline, platform: Platform, max_messages: int = 8) -> Intake:
    return Intake("telegram", pipeline, platform.send, throttle=Throttle(max_messages, 10.0))


def message(user: str, text: str, update_id: str, **kwargs: object) -> IncomingMessage:
    return IncomingMessage("telegram", user, str(kwargs.pop("chat_id", user)), text=text,
                           update_id=update_id, **kwargs)  # type: ignore[arg-type]


async def count(sessions: async_sessionmaker[AsyncSession], model: type, *where: object) -> int:
    async with sessions() as session:
        statement = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int((await session.execute(statement)).scalar_one())


async def test_a_redelivered_message_is_handled_and_answered_once(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform)
    assert await intake.accept(message("u1", QUESTION, "42")) is True
    assert await intake.accept(message("u1", QUESTION, "42")) is False
    await intake.idle()
    texts = platform.texts("u1")  # the answer, then the bot's introduction (first contact)
    assert len(texts) == 2 and "10/10" in texts[0] and INTRODUCTION in texts[1]
    assert await count(pipeline.sessions, QuestionLog) == 1
    assert await count(pipeline.sessions, OutboxReply, OutboxReply.sent_at.is_(None)) == 0


async def test_redeliveries_do_not_use_up_the_throttle(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform, max_messages=3)
    for _ in range(50):  # one update delivered fifty times
        await intake.accept(message("u2", QUESTION, "7"))
    await intake.accept(message("u2", "cuoc thi", "8"))
    await intake.idle()
    texts = platform.texts("u2")
    assert len(texts) == 3 and INTRODUCTION in texts[1] and "Cuộc thi" in texts[2]
    assert not any("nhanh" in t for t in texts)


async def test_a_flood_is_answered_once_with_a_warning_and_every_message_is_recorded(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform, max_messages=3)
    for n in range(10):
        await intake.accept(message("u3", f"{QUESTION} {n}", f"flood-{n}"))
    await intake.idle()
    texts = platform.texts("u3")
    assert len(texts) == 5 and sum("nhanh" in t for t in texts) == 1  # 3 answers, introduction
    assert sum(INTRODUCTION in t for t in texts) == 1
    assert await count(pipeline.sessions, InboxEntry, InboxEntry.state == "throttled") == 7


async def test_replies_recorded_but_not_sent_are_sent_by_the_next_process(pipeline: Pipeline):
    platform = Platform()
    platform.down = True  # the process "dies" before its replies reach anyone
    first = make_intake(pipeline, platform)
    await first.accept(message("u4", QUESTION, "100"))
    await first.idle()
    assert platform.sent == []
    assert await count(pipeline.sessions, OutboxReply, OutboxReply.sent_at.is_(None)) == 2
    platform.down = False
    second = make_intake(pipeline, platform)
    await second.start()
    await second.stop()
    texts = platform.texts("u4")
    assert len(texts) == 2 and "10/10" in texts[0] and INTRODUCTION in texts[1]
    assert await count(pipeline.sessions, QuestionLog) == 1  # answered, not asked again
    third = make_intake(pipeline, platform)  # nothing left for the one after
    assert await third.resume() == 0


async def test_messages_accepted_but_never_handled_are_handled_on_start_in_order(pipeline: Pipeline):
    async with pipeline.sessions() as session, session.begin():  # as a killed process left them
        inbox = Inbox(session)
        for n, text in enumerate(["/cuocthi", "/sukien", QUESTION]):
            await inbox.accept("telegram", f"left-{n}", "u5", message_to_json(message("u5", text, f"left-{n}")))
    platform = Platform()
    intake = make_intake(pipeline, platform)
    await intake.start()
    await intake.stop()
    texts = platform.texts("u5")
    assert [t.split("\n")[0] for t in texts[:2]] == ["Các cuộc thi:", "Sự kiện, chương trình:"]
    assert "10/10" in texts[2] and len(texts) == 3


async def test_a_message_the_database_could_not_store_is_not_acknowledged(
        services: Services, tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'gone.sqlite3'}")
    try:
        platform = Platform()
        intake = make_intake(Pipeline(services, session_factory(engine)), platform)
        with pytest.raises(SQLAlchemyError):  # the channel answers 503: the platform sends it again
            await intake.accept(message("u6", QUESTION, "500"))
        await intake.idle()
        assert platform.sent == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # two workers on one database: PostgreSQL's job
async def test_two_workers_resuming_the_same_messages_handle_each_once(
        services: Services, database_url: str):
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        pipelines = [Pipeline(services, session_factory(e), clock=lambda: FIXED_NOW) for e in engines]
        async with pipelines[0].sessions() as session, session.begin():
            inbox = Inbox(session)
            for n in range(40):
                user = f"w{n % 8}"
                await inbox.accept("telegram", f"two-{n}", user,
                                   message_to_json(message(user, f"{QUESTION} {n}", f"two-{n}")))
        platform = Platform()
        workers = [make_intake(p, platform) for p in pipelines]
        await asyncio.gather(*(w.start() for w in workers))
        await asyncio.gather(*(w.stop() for w in workers))
        # 40 answers, and each of the 8 people's first one followed by the introduction
        answers = [text for _, text in platform.sent if INTRODUCTION not in text]
        assert len(answers) == 40 and len(platform.sent) == 48
        assert await count(pipelines[0].sessions, QuestionLog) == 40
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_person_writing_in_a_group_keeps_their_private_chat(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform)
    await intake.accept(message("u7", "/menu", "g1"))
    await intake.accept(message("u7", "/ngaycds", "g2", chat_id="-100", is_group=True))
    await intake.accept(message("u7", "chào cả nhà", "g3", chat_id="-100", is_group=True,
                                addressed=False))
    await intake.idle()
    async with pipeline.sessions() as session:
        identity = await UserRepository(session).find("telegram", "u7")
        assert identity is not None and identity.chat_id == "u7"
    assert len(platform.texts("-100")) == 1  # the public answer; the chatter is not even stored
    assert await count(pipeline.sessions, InboxEntry, InboxEntry.update_id == "g3") == 0


async def test_personal_answers_asked_for_in_a_group_go_to_the_private_chat(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform)
    await intake.accept(message("u8", "/menu", "p1"))
    await intake.idle()
    async with pipeline.sessions() as session, session.begin():
        identity = await UserRepository(session).find("telegram", "u8")
        assert identity is not None
        identity.user.role = int(Role.LEADER)
    before = len(platform.texts("u8"))
    await intake.accept(message("u8", "/toi", "p2", chat_id="-200", is_group=True))
    await intake.accept(message("u8", "/baocao", "p3", chat_id="-200", is_group=True))
    await intake.idle()
    group = platform.texts("-200")
    assert len(group) == 2 and all("tin nhắn riêng" in text for text in group)
    private = platform.texts("u8")[before:]
    assert len(private) >= 2 and any("lưu" in text for text in private)


def test_the_throttle_forgets_users_idle_for_a_window():
    now = [0.0]
    throttle = Throttle(3, 10.0, clock=lambda: now[0])
    for n in range(10_000):
        throttle.check(f"user{n}")
    assert len(throttle) == 10_000
    now[0] = 25.0
    throttle.check("someone")
    assert len(throttle) == 1


async def test_deleting_my_data_forgets_what_i_wrote(pipeline: Pipeline):
    platform = Platform()
    intake = make_intake(pipeline, platform)
    await intake.accept(message("u9", "toi ten Nguyen Van An hoi ve cuoc thi", "d1"))
    await intake.accept(message("u9", "/xoadulieu", "d2"))
    await intake.idle()
    await intake.accept(IncomingMessage("telegram", "u9", "u9", payload="erase:yes", update_id="d3"))
    await intake.idle()
    async with pipeline.sessions() as session:
        rows = (await session.execute(select(InboxEntry))).scalars().all()
        kept = [row.message for row in rows]
        identities = await count(pipeline.sessions, ChannelIdentity)
    assert identities == 0 and all(m == {} for m in kept), kept
    assert await count(pipeline.sessions, OutboxReply) == 1  # the answer to "delete", to be purged
