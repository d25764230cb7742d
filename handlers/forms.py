"""One form engine for multi-step conversations (the visit form, the broadcast composer).

A form has a name ("visit", "bc") and steps declared as data. Each step says
    ask(ctx, data) -> [Reply]               its question and buttons (reads, never writes)
    take(answer, ctx, data) -> [Reply]      what it does with an answer: store it in `data` and
                                            go on (`form.go`), or ask again (`form.go` with the
                                            reason), or finish (ctx.finish()).
Where a form stands is the conversation step "<form>.<step>" with the data collected so far
(kept in the database, so a half-filled form survives a restart or a move to another worker).

Buttons of a form carry "<form>:<value>" (`form.button`); `Answer` reads a press back as its
value, and typed text as text, in one place. The router hands every "<form>.…" step and every
"<form>:…" press to `form.take` (a press while the form is closed gets `closed_text`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply
from handlers.types import NOT_HANDLED, Declined

Data = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """One message as an answer to a form's question."""

    text: str
    """What was typed, stripped ("" for a press)."""
    choice: str | None
    """The value of the form's button that was pressed (None for typed text)."""
    photo: str | None = None

    @classmethod
    def of(cls, msg: IncomingMessage, form: str) -> Answer:
        prefix = f"{form}:"
        choice = (msg.payload[len(prefix):] if msg.payload and msg.payload.startswith(prefix)
                  else None)
        return cls(msg.text.strip() if choice is None else "", choice, msg.photo)


Ask = Callable[[Context, Data], Awaitable[list[Reply]]]
Take = Callable[[Answer, Context, Data], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Step:
    ask: Ask
    take: Take


def asking(question: Callable[[Context, Data], Reply]) -> Ask:
    """A step whose question needs nothing but the context and the data."""
    async def ask(ctx: Context, data: Data) -> list[Reply]:
        return [question(ctx, data)]
    return ask


class Form:
    def __init__(self, name: str, steps: Mapping[str, Step]) -> None:
        self.name = name
        self.steps = dict(steps)

    def button(self, label: str, value: str) -> Button:
        return Button(label, f"{self.name}:{value}")

    async def go(self, ctx: Context, data: Data, step: str, reason: str = "") -> list[Reply]:
        """Move the form to `step` and return its question (after `reason`, when asking again)."""
        ctx.goto(f"{self.name}.{step}", **data)
        first, *rest = await self.steps[step].ask(ctx, data)
        return [replace(first, text=f"{reason}\n{first.text}") if reason else first, *rest]

    def is_open(self, ctx: Context) -> bool:
        return ctx.step is not None and ctx.step.name.startswith(f"{self.name}.")

    async def take(self, msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
        """The answer to the step the form stands at; a step this version of the form does not
        have (state left by an older one) closes the form and leaves the message to the FAQ."""
        assert ctx.step is not None
        step = self.steps.get(ctx.step.name.removeprefix(f"{self.name}."))
        if step is None:
            ctx.finish()
            return NOT_HANDLED
        return await step.take(Answer.of(msg, self.name), ctx, dict(ctx.step.data))
