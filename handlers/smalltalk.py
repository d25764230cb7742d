"""Small talk gets a short, warm reply that says this is an automated assistant; it is not a
question about the plans, so it is not logged for the officers as unanswered."""

from __future__ import annotations

from content.i18n import N_
from handlers.context import Context
from handlers.menu import menu_buttons
from handlers.messages import AnswerInfo, IncomingMessage, Reply

REPLIES: dict[str, tuple[str, bool]] = {
    # kind: (reply, with the topic menu)
    "greeting": (N_("Hello! I am the automated assistant for Digital Transformation Day. Ask me "
                    "about the Day, contests, events or promotions, or choose a topic:"), True),
    "thanks": (N_("You're welcome! Ask me again whenever you like."), False),
    "goodbye": (N_("Goodbye! Type /menu whenever you want to come back."), False),
    "wish": (N_("Thank you, and the same to you! Ask me about the Day whenever you like."), False),
    "identity": (N_("I am an automated assistant (a bot), not a person. I answer from the official "
                    "Digital Transformation Day plans, and say so when they do not cover "
                    "something. Choose a topic:"), True),
    "acknowledgement": (N_("All right. Anything else? Type your question or choose a topic:"), True),
    "praise": (N_("Thank you! I am glad it helped."), False),
    "complaint": (N_("Sorry I could not help well. Try asking in other words, or choose a "
                     "topic:"), True),
    "laugh": (N_("😊 Type your question whenever you like, or choose a topic:"), True),
    "emoji": (N_("😊 Type your question whenever you like, or choose a topic:"), True),
}
NOT_MATCHED = AnswerInfo(matched=False, faq_id=None, score=0.0)


def is_small_talk(msg: IncomingMessage, ctx: Context) -> bool:
    return ctx.services.smalltalk.kind_of(msg.text) in REPLIES


def is_greeting(msg: IncomingMessage, ctx: Context) -> bool:
    return ctx.services.smalltalk.kind_of(msg.text) == "greeting"


async def reply_small_talk(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Answer a greeting, thanks, "ok" or an emoji like a person would; nothing is logged."""
    kind = ctx.services.smalltalk.kind_of(msg.text) or "emoji"
    text, with_menu = REPLIES[kind]
    buttons = menu_buttons(ctx) if with_menu else []
    return [Reply.with_buttons(ctx.t(text), buttons, answer=NOT_MATCHED)]
