"""Setting up staff, teams and subscribers for the tests, through the real pipeline."""

from __future__ import annotations

import re

from bot.pipeline import Pipeline
from content.places import admin_units
from db.models import Role
from db.repositories import UserRepository
from tests.fakes.chat import Chat


async def grant(pipeline: Pipeline, chat: Chat, role: Role, province: str | None = None,
                communes: tuple[str, ...] = ()) -> None:
    """Give the chat's user a role (as `cdsbot users grant` does)."""
    await chat.send("/menu")  # the user exists once they have written
    async with pipeline.sessions() as session, session.begin():
        identity = await UserRepository(session).find(chat.channel, chat.user_id)
        assert identity is not None
        identity.user.role = int(role)
        identity.user.scope_province = province
        identity.user.scope_communes = list(communes)


async def officer(pipeline: Pipeline, province: str = "dong-thap",
                  communes: tuple[str, ...] = ()) -> Chat:
    """An officer of a current province, or of some of its communes (codes)."""
    chat = Chat(pipeline)
    await grant(pipeline, chat, Role.OFFICER, province, communes)
    return chat


def invite_code(text: str) -> str:
    match = re.search(r"/thamgia ([A-Z0-9]{8})", text)
    assert match, text
    return match[1]


async def create_team(boss: Chat, spec: str = "Tổ CNSCĐ phường Mỹ Phong; Mỹ Phong, Đạo Thạnh"
                      ) -> tuple[int, str]:
    """/taoto as an officer: the new team's number and its invite code."""
    text = "\n".join(r.text for r in await boss.send(f"/taoto {spec}"))
    match = re.search(r"#(\d+)", text)
    assert match, text
    return int(match[1]), invite_code(text)


async def team_member(pipeline: Pipeline) -> Chat:
    """A member of a new team of Phường Mỹ Phong and Phường Đạo Thạnh (Đồng Tháp)."""
    _, code = await create_team(await officer(pipeline))
    return await member_of(pipeline, code)


async def member_of(pipeline: Pipeline, code: str) -> Chat:
    chat = Chat(pipeline)
    replies = await chat.send(f"/thamgia {code}")
    assert "Chào mừng" in replies[0].text, replies[0].text
    return chat


async def subscriber(pipeline: Pipeline, province: str, topics: str = "cuoc thi",
                     channel: str = "telegram") -> Chat:
    """A user of `province` on `channel` (Telegram), subscribed to `topics`."""
    chat = Chat(pipeline, channel=channel)
    await chat.send("/start")
    await chat.press("consent:yes")
    current = admin_units().current_province(province)  # a seed province: today's it is part of
    assert current is not None, province
    await chat.press(f"prov:{current.slug}")
    await chat.send(f"/dangky {topics}")
    return chat
