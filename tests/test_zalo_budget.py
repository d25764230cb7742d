"""Zalo's real message budget, against the fake Zalo server that applies it: replies quote the
user's message and stay within its free replies ("tin phản hồi"); a longer answer ends with how
to see the rest; broadcasts are proactive ("tin chủ động"), previewed against the month's quota
and paused, with an alert and nothing lost, when it is used up."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from bot.broadcast.worker import run_worker
from bot.settings import Settings
from bot.throttle import Throttle
from db.broadcasts import control
from db.broadcasts.audience import DEFAULT_RULES
from db.broadcasts.outbox import create_broadcast
from db.models import ChannelAlert, QuestionLog
from tests.broadcast_helpers import add_people, delivery_states
from tests.fakes.zalo_api import FakeZalo
from tests.team_helpers import officer
from tests.zalo_harness import Zalo, texts

QUESTIONS = [
    "ngày chuyển đổi số quốc gia là ngày nào", "ngay cds la ngay may", "chu de nam 2024 la gi",
    "cuoc thi tim hieu chuyen doi so tien giang", "khi nao bat dau chien dich", "menu",
    "ai ban hanh quyet dinh 1092", "to cong nghe so cong dong la gi", "/help", "cam on",
    "chao ban", "ok", "su kien ngay 10/10 o dau", "bo nhan dien ngay cds tai o dau",
    "dich vu cong truc tuyen la gi", "thanh toan khong dung tien mat", "khuyen mai tmdt",
    "cuoc thi video clip quang ngai", "nghe an ra quan khi nao", "thai binh truyen thong cds",
]


async def _ask(zalo: Zalo, user: str, text: str, msg_id: str) -> list:
    before = len(zalo.fake.sent_to(user))
    assert await zalo.post(zalo.fake.text_event(user, text, msg_id=msg_id)) == 200
    return zalo.fake.sent_to(user)[before:]


async def test_twenty_questions_spend_only_free_replies_each_quoting_its_message(zalo):
    zalo.channel.intake.throttle = Throttle(100, 60)  # a fast typist: the budget is the point
    for number, question in enumerate(QUESTIONS):
        answer = await _ask(zalo, "u20", question, f"m{number}")
        assert answer, question
        assert {(r.kind, r.quoted) for r in answer} == {("reply", f"m{number}")}, question
    assert zalo.fake.proactive_used == 0


async def test_an_answer_longer_than_the_free_replies_ends_with_how_to_see_the_rest(zalo):
    zalo.channel.settings = zalo.channel.settings.model_copy(
        update={"zalo_free_replies": 2, "zalo_text_limit": 160})
    question = "cuoc thi tim hieu chuyen doi so tien giang"
    first = await _ask(zalo, "u21", question, "q1")
    assert len(first) == 2 and all(r.kind == "reply" and r.quoted == "q1" for r in first)
    assert first[-1].text.endswith("Bạn gõ “tiếp” để xem thêm.")
    parts, number = list(first), 2
    while parts[-1].text.endswith("Bạn gõ “tiếp” để xem thêm.") and number < 10:
        rest = await _ask(zalo, "u21", "tiếp", f"q{number}")
        assert 0 < len(rest) <= 2
        assert all(r.kind == "reply" and r.quoted == f"q{number}" for r in rest)
        parts, number = parts + rest, number + 1
    whole = texts(parts).replace("\n\nBạn gõ “tiếp” để xem thêm.", "")
    assert number > 2 and "Nguồn:" in whole  # the answer's last line came with the rest
    logged = await zalo.count(QuestionLog)
    assert logged == 1  # "tiếp" is not a question for the officers
    assert zalo.fake.proactive_used == 0


async def test_a_new_followers_greeting_is_a_proactive_message(zalo):
    assert await zalo.post(zalo.fake.follow_event("u22")) == 200
    greeting = zalo.fake.sent_to("u22")
    assert greeting and {r.kind for r in greeting} == {"proactive"}
    answer = await _ask(zalo, "u22", "ngay cds la ngay nao", "g1")
    assert {r.kind for r in answer} == {"reply"}


async def test_the_broadcast_preview_states_the_proactive_messages_and_the_quota(
        pipeline, sessions):
    pipeline.services = dataclasses.replace(pipeline.services, zalo_proactive_quota=3,
                                            broadcast_rules=DEFAULT_RULES)
    await add_people(sessions, 5, channel="zalo", province="dong-thap")
    boss = await officer(pipeline)
    await boss.send("/thongbao")
    await boss.send("Cuộc thi mở vòng 2")
    await boss.press("Bỏ qua")
    await boss.press("Bỏ qua")
    await boss.send("all")
    preview = boss.last[0].text
    assert "Zalo: 5" in preview
    assert "5 tin chủ động, tính vào hạn mức tháng: còn 3/3 tin" in preview
    assert "Hạn mức không đủ" in preview


def _worker_settings(fake: FakeZalo, database_url: str, **extra: object) -> Settings:
    """A broadcast worker's settings for Zalo only, on the fake server, with a fresh token pair."""
    access, refresh = fake.issue_tokens()
    return Settings(
        _env_file=None, database_url=database_url, zalo_app_id="app1",  # type: ignore[call-arg]
        zalo_app_secret="appsecret", zalo_oa_secret_key="oakey", zalo_access_token=access,
        zalo_refresh_token=refresh, zalo_api_base_url=fake.api_base_url,
        zalo_oauth_base_url=fake.oauth_base_url, broadcast_poll_seconds=0.1,
        broadcast_zalo_rate=100, **extra)


async def test_a_used_up_quota_pauses_the_broadcast_with_an_alert_and_loses_nothing(
        sessions, database_url):
    async with FakeZalo() as fake:
        chats = await add_people(sessions, 5, channel="zalo")
        broadcast_id = await create_broadcast(sessions, text="Chào cả nhà", filters=["all"])
        settings = _worker_settings(fake, database_url, zalo_proactive_quota=3)
        await run_worker(settings, until_idle=True, sessions=sessions)
        assert len(fake.sent) == 3 and {r.kind for r in fake.sent} == {"proactive"}
        assert await delivery_states(sessions, broadcast_id) == {"sent": 3, "pending": 2}
        async with sessions() as session:
            alerts = list((await session.execute(select(ChannelAlert))).scalars())
            state = (await control.sending_ids(session))
        assert state == [] and any(f"#{broadcast_id} paused" in a.message for a in alerts)
        # The OA's package is raised; the officer resumes: the rest goes out, nobody twice.
        async with sessions() as session, session.begin():
            assert await control.resume(session, broadcast_id)
        await run_worker(settings.model_copy(update={"zalo_proactive_quota": 10}),
                         until_idle=True, sessions=sessions)
        assert sorted(r.user_id for r in fake.sent) == sorted(chats)
        assert await delivery_states(sessions, broadcast_id) == {"sent": 5}


async def test_zalo_itself_refusing_for_quota_also_pauses_and_keeps_the_rows(
        sessions, database_url):
    async with FakeZalo() as fake:
        fake.proactive_quota = 2  # the OA's real quota is smaller than configured
        await add_people(sessions, 4, channel="zalo")
        broadcast_id = await create_broadcast(sessions, text="Chào", filters=["all"])
        settings = _worker_settings(fake, database_url, broadcast_concurrency=1)
        await run_worker(settings, until_idle=True, sessions=sessions)
        assert await delivery_states(sessions, broadcast_id) == {"sent": 2, "pending": 2}


async def test_reminders_on_zalo_are_checked_against_the_quota_before_they_go(pipeline, services):
    import datetime as dt

    from bot.reminders import plan_once
    from tests.test_reminders import first_contest_round

    services = dataclasses.replace(services, broadcast_rules=DEFAULT_RULES,
                                   zalo_proactive_quota=2)
    pack, _, first = first_contest_round(services)
    await add_people(pipeline.sessions, 3, channel="zalo", topics=("contests",),
                     province=pack.province.current)
    now = dt.datetime.combine(first.start - dt.timedelta(days=3), dt.time(8),
                              tzinfo=services.timezone)
    assert await plan_once(services, pipeline.sessions, 3, now)
    async with pipeline.sessions() as session:
        alerts = [a.message for a in (await session.execute(select(ChannelAlert))).scalars()]
    assert any("needs 3 proactive messages but only 2" in a for a in alerts), alerts
