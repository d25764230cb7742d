"""One ordered routing table: which handler gets a message. Order matters (see comments)."""

from __future__ import annotations

import re
from dataclasses import replace

from content.i18n import N_
from content.normalize import tokenize
from db.models import Role
from handlers import (
    account,
    broadcasts,
    faq,
    platform,
    reminders,
    reports,
    smalltalk,
    start,
    subscriptions,
    teams,
    topics,
    visits,
)
from handlers.commands import find_command
from handlers.context import Context
from handlers.menu import menu_reply
from handlers.messages import IncomingMessage, Reply
from handlers.types import NOT_HANDLED, Handler

# Button payloads are "<prefix>:<value>".
BUTTONS: dict[str, Handler] = {
    "topic": topics.show_topic,
    "faq": faq.show_faq,
    "consent": start.record_consent,
    "prov": start.choose_province,
    "lang": account.choose_language,
    "erase": account.erase_data,
    "sub": subscriptions.toggle_subscription,
    "visit": visits.on_button,
    "team": teams.on_button,
    "report": reports.choose_period,
    "bc": broadcasts.on_button,
    "rem": reminders.toggle,
}

# Platform events (IncomingMessage.event); one not listed here is ignored.
EVENTS: dict[str, Handler] = {
    "blocked": platform.mark_unreachable,
    "unfollow": platform.mark_unreachable,  # subscriptions stay, paused while unreachable
    "unblocked": platform.mark_reachable,
    "follow": platform.greet_follower,
    "unsupported": platform.explain_unsupported,
}

# Unfinished conversations: ConversationStep.name -> the handler for the next message.
STEPS: dict[str, Handler] = {
    "start.consent": start.record_consent,
    "start.province": start.choose_province,
    "account.erase": account.erase_data,
    "report.period": reports.choose_period,
    "team.create": teams.continue_create,
}

# Forms (handlers/forms.py): every step "<form>.<step>" goes to the form, which knows its steps.
FORMS: dict[str, Handler] = {
    "bc": broadcasts.continue_compose,
    "visit": visits.continue_form,
}

TOPIC_WORD_CHARS = 40
LONE_NUMBER = re.compile(r"\s*\d{1,3}\s*[.)]?\s*")
# Typed words that open a topic without a slash ("menu", "cuoc thi").
TOPIC_WORDS: dict[str, str] = {
    "menu": "menu", "tro giup": "menu", "help": "menu", "bat dau": "menu",
    "ngay chuyen doi so": "day", "cuoc thi": "contests", "su kien": "events",
    "khuyen mai": "promotions", "uu dai": "promotions", "to cong nghe so": "teams",
    "tai lieu": "resources", "lien ket": "resources", "chu de": "themes",
    # the same topics asked in English
    "digital transformation day": "day", "contests": "contests", "contest": "contests",
    "events": "events", "promotions": "promotions", "themes": "themes", "theme": "themes",
    "documents": "resources", "links": "resources", "community tech teams": "teams",
    "to cnscd": "teams", "to cong nghe so cong dong": "teams",
}
# Words that only frame a topic as a question: "có khuyến mãi gì không", "cuộc thi nào ạ",
# "ngày chuyển đổi số là gì" ask for the topic itself.
FRAME_HEAD = frozenset({"co", "nhung", "cac", "hien", "dang", "con",
                        "what", "is", "are", "there", "any", "the", "which", "show", "me"})
FRAME_TAIL = frozenset({"gi", "nao", "ko", "khong", "k", "hok", "a", "vay", "nhi", "la",
                        "the", "sao", "nay", "nua", "now", "today"})


PERSONAL_COMMANDS = frozenset({"/start", "/toi", "/xoadulieu", "/thamgia", "/tinh", "/lang",
                                "/nhacnho", "/dangky", "/huydangky"})
"""Besides every command for team members and officers: answered in private, never in a group."""


async def dispatch(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Route a message and run its handler; a step that declines the text hands it to the FAQ."""
    handler = route(msg, ctx)
    handled = await handler(msg, ctx)
    if handled is NOT_HANDLED:  # a step declined the text: read it as if no step were open
        handled = (await free_text_handler(msg, ctx)(msg, ctx) if msg.payload is None
                   else await stale_button(msg, ctx))
    replies = handled if isinstance(handled, list) else []
    if not replies and msg.payload is not None and msg.event is None:
        replies = await stale_button(msg, ctx)  # a press always gets an answer, even a forged one
    if _needs_onboarding(msg, ctx):
        if handler is smalltalk.reply_small_talk and smalltalk.is_greeting(msg, ctx):
            replies = []  # "chào bạn": the introduction greets back, once
        replies = [*replies, start.introduction(ctx)]  # what they asked first, then who we are
    if msg.is_group and replies and _is_personal(msg, ctx, handler):
        note = Reply(ctx.t("I have answered you in a private chat. If you do not see it, open a "
                           "chat with me and press Start, then ask again."))
        return [note, *(replace(reply, private=True) for reply in replies)]
    return replies


def _needs_onboarding(msg: IncomingMessage, ctx: Context) -> bool:
    """A person's first message (also the first after /xoadulieu) that was not /start nor a
    platform's follow: answered, then greeted as /start would, consent question included.
    Not after other commands (/thamgia, a form: they open a conversation of their own), nor in a
    group."""
    command = find_command(msg.command[0]) if msg.command else None
    return (ctx.first_contact and not ctx.erased and not msg.is_group and msg.event is None
            and (command is None or command.name == "/lang")  # then in the language chosen
            and ctx.step is None)


def _is_personal(msg: IncomingMessage, ctx: Context, handler: Handler) -> bool:
    """Reports, visits, teams, forms, a person's own data: nothing for a group to read."""
    if handler in STEPS.values() or handler in FORMS.values():
        return True
    command = msg.command
    found = find_command(command[0]) if command else None
    return found is not None and (found.min_role > Role.CITIZEN or found.name in PERSONAL_COMMANDS)


def route(msg: IncomingMessage, ctx: Context) -> Handler:
    # 0. Platform events carry no text to read: they never reach a command, a step or the FAQ.
    if msg.event is not None:
        return EVENTS.get(msg.event, platform.ignore_event)
    # 1. Commands first, so /menu or /huy always leave a conversation in progress.
    command = msg.command
    if command is not None:
        found = find_command(command[0])
        if found is None:
            return unknown_command
        return found.handler if ctx.role >= found.min_role else not_allowed
    # 2. Button presses carry their own target.
    if msg.payload is not None:
        return BUTTONS.get(msg.payload.partition(":")[0], stale_button)
    # Opt-out words ("hủy", "dừng", "stop") work everywhere, even inside a form.
    if subscriptions.is_opt_out(msg.text):
        return subscriptions.opt_out
    # 3. An unfinished conversation takes the typed text.
    if ctx.step is not None:
        step = STEPS.get(ctx.step.name) or FORMS.get(ctx.step.name.partition(".")[0])
        if step is not None:
            return step
    return free_text_handler(msg, ctx)


def free_text_handler(msg: IncomingMessage, ctx: Context) -> Handler:
    """Typed text outside any step (also text a step declined): a topic name, small talk or a
    question."""
    # A photo outside a form that asks for one: say what the bot can read.
    if msg.photo is not None:
        return platform.explain_unsupported
    # A number alone: a choice from buttons no longer shown, never a question about "1".
    if LONE_NUMBER.fullmatch(msg.text):
        return lone_number
    # 4. A topic name typed as text (short: a question is not read twice), also with a number
    # after it ("cuộc thi 1": the list is where the numbered contests are).
    if len(msg.text) <= TOPIC_WORD_CHARS and _topic_words(msg.text) in TOPIC_WORDS:
        return topic_word
    # 5. Small talk ("chào bạn", "ok", "😀") is answered like a person, not as a question.
    if smalltalk.is_small_talk(msg, ctx):
        return smalltalk.reply_small_talk
    # 6. Everything else is a question for the FAQ.
    return faq.answer_question


def _topic_words(text: str) -> str:
    """The topic name a short text asks for, its question frame and a trailing number left
    out ("co khuyen mai gi ko" → "khuyen mai"); the text's words when it names none."""
    words = tokenize(text)
    while words and words[-1].isdigit():
        words.pop()
    core = list(words)
    while core and core[0] in FRAME_HEAD:
        core.pop(0)
    while core and core[-1] in FRAME_TAIL:
        core.pop()
    named = " ".join(core)
    return named if named in TOPIC_WORDS else " ".join(words)


async def topic_word(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A typed topic name ('cuộc thi') opens that topic."""
    topic = TOPIC_WORDS[_topic_words(msg.text)]
    return await topics.TOPIC_VIEWS[topic](msg, ctx)


async def lone_number(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A number typed with no numbered choices shown (they expired, or were never there)."""
    return [menu_reply(ctx, ctx.t("I cannot tell what “{number}” stands for here: there is no "
                                  "numbered choice open now. Choose a topic, or type your "
                                  "question:", number=msg.text.strip()[:4]))]


async def unknown_command(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A command we do not have: say so and show the menu."""
    name = msg.command[0] if msg.command else msg.text
    return [menu_reply(ctx, ctx.t("I don't know the command {command}. Type /help for the list, "
                                  "or choose a topic:", command=name[:40]))]


ROLE_REFUSALS = {
    Role.MEMBER: N_("Sorry, {command} is for members of a community tech team. If you are one, "
                    "join your team with the code your team leader gives you: /thamgia CODE."),
    Role.LEADER: N_("Sorry, {command} is for team leaders and officers. Ask your team leader "
                    "(shown on your team card: /to)."),
    Role.OFFICER: N_("Sorry, {command} is for officers of the province's digital transformation "
                     "office. The bot's administrator gives officers their access."),
    Role.ADMIN: N_("Sorry, {command} is for the bot's administrators only."),
}
"""Who a restricted command is for, and how to get there, by the role it needs."""


async def not_allowed(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A command above the user's role: say who it is for and how to get there (roles are
    checked here, on the server, and again where data is read and written)."""
    command = msg.command[0] if msg.command else ""
    found = find_command(command)
    needed = found.min_role if found else Role.ADMIN
    return [menu_reply(ctx, ctx.t(ROLE_REFUSALS[Role(needed)], command=found.name if found
                                  else command[:40]))]


async def stale_button(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A button from an old message whose action no longer exists."""
    return [menu_reply(ctx, ctx.t("That button has expired. Choose a topic:"))]
