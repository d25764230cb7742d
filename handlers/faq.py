"""Free-text questions: match against the FAQ, answer with the source, or say honestly we don't know."""

from __future__ import annotations

import datetime as dt

from content.matcher import MatchResult
from content.redaction import MARKER, redact
from handlers.answers import CONTENT_LOCALE, faq_text, in_content_language, official
from handlers.context import Context
from handlers.menu import menu_buttons
from handlers.messages import AnswerInfo, Button, IncomingMessage, Reply, shorten

BUTTON_LABEL_CHARS = 40
MAX_BUTTONS = 6
RELATED_FLOOR = 0.85
"""A refused question's near entries are offered when they scored this share of the threshold."""
FOLLOW_UP_CHARS = 40
"""A message this short may be a follow-up ("khi nào kết thúc?", "còn ở Nghệ An?")."""
FOLLOW_UP_WITHIN = dt.timedelta(minutes=5)


async def answer_question(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Answer a typed question from the FAQ, or fall back to the topic menu; log it either way."""
    if not msg.text.strip():
        return [Reply.with_buttons(ctx.t("Please type your question, or choose a topic:"),
                                   menu_buttons(ctx),
                                   answer=AnswerInfo(matched=False, faq_id=None, score=0.0))]
    question = ctx.services.smalltalk.without_leading(msg.text)  # "chào bạn, cho hỏi …"
    matcher = ctx.services.matcher
    results = matcher.match_each(question, ctx.content.pack_province(ctx.user.province))
    result = next((r for r in results if r.best is not None), results[0])
    # Only what leans on a question before ("còn …", a bare "ở đâu?"): a new short question
    # ("giá vàng hôm nay") read with the last one would get that one's answer.
    if len(question) <= FOLLOW_UP_CHARS and matcher.is_follow_up(question):
        result = await _as_follow_up(ctx, question, result)
        results = [result]
    await _log(ctx, msg.text, result)
    for unanswered in (r for r in results if r.best is None and r.part and len(results) > 1):
        await _log(ctx, unanswered.part, unanswered)  # officers see the part nobody answered
    if result.best is None:
        return [fallback_reply(ctx, result)]
    vi = in_content_language(ctx)
    if len(results) > 1:
        return official(ctx, [_several_answers(vi, results)])
    info = AnswerInfo(matched=True, faq_id=result.best.faq_id, score=result.score)
    entry = ctx.content.faq[result.best.faq_id]
    buttons = [_faq_button(ctx, c.faq_id) for c in result.alternatives]
    text = faq_text(vi, entry)
    if buttons:
        text += "\n\n" + vi.t("Did you mean something else? Choose below.")
    buttons.append(Button(vi.t("Menu"), "topic:menu"))
    return official(ctx, [Reply.with_buttons(text, buttons, answer=info)])


def _several_answers(ctx: Context, results: list[MatchResult]) -> Reply:
    """Each question of the message answered, in one message (Zalo counts every reply)."""
    parts = [faq_text(ctx, ctx.content.faq[r.best.faq_id]) for r in results if r.best is not None]
    if any(r.best is None for r in results):
        parts.append(ctx.t("For the rest of your message I don't have reliable information yet."))
    first = next(r for r in results if r.best is not None)
    info = AnswerInfo(matched=True, faq_id=first.best.faq_id if first.best else None,
                      score=first.score)
    return Reply.with_buttons("\n\n".join(parts), [Button(ctx.t("Menu"), "topic:menu")], answer=info)


async def _as_follow_up(ctx: Context, question: str, alone: MatchResult) -> MatchResult:
    """Read a short message with the question answered just before, if any; keep what the
    message alone matched when together they match nothing."""
    previous = await ctx.questions.last_answered(ctx.user.id, FOLLOW_UP_WITHIN)
    if not previous:
        return alone
    matcher = ctx.services.matcher
    combined = matcher.match(matcher.follow_up(previous, question),
                             ctx.content.pack_province(ctx.user.province))
    return combined if combined.best is not None else alone


async def _log(ctx: Context, written: str, result: MatchResult) -> None:
    text, normalized = _loggable(ctx, written, result)
    await ctx.questions.add(user_id=ctx.user.id, channel=ctx.identity.channel,
                            province=ctx.user.province, text=text, normalized_text=normalized,
                            faq_id=result.best.faq_id if result.best else None,
                            score=result.score, matched=result.matched)


def _loggable(ctx: Context, written: str, result: MatchResult) -> tuple[str, str]:
    """The question as written and normalised, without personal data: the only texts the log
    stores. A question with personal data is redacted as written (where punctuation and
    diacritics still tell a name or an address apart), then each piece between the markers is
    normalised, so the markers stay as they are."""
    redacted = redact(written)
    if redacted == written:
        return written, result.normalized
    normalizer = ctx.services.matcher.normalizer
    pieces = (piece if MARKER.fullmatch(piece) else " ".join(normalizer.tokens(piece))
              for piece in MARKER.split(redacted))
    return redacted, " ".join(piece for piece in pieces if piece)


def fallback_reply(ctx: Context, result: MatchResult) -> Reply:
    """The honest 'I don't know', with near entries and the topic menu; the question is logged."""
    text = ctx.t("Sorry, I don't have reliable information to answer that yet. "
                 "I have noted your question for the officers. "
                 "You can choose a topic below or ask in another way.")
    threshold = ctx.services.matcher.params.threshold
    near = [c for c in result.alternatives[:2] if c.raw >= threshold * RELATED_FLOOR
            and ctx.t.locale == CONTENT_LOCALE]  # their labels are the plans' Vietnamese
    related = [_faq_button(ctx, c.faq_id) for c in near]
    if near and near[0].raw >= threshold:
        # The words fit an entry well; the bot was not sure it answers what was asked.
        text += "\n" + ctx.t("Did you mean one of these?")
    elif near:
        text += "\n" + ctx.t("Perhaps one of these helps:")
    buttons = [*related, *menu_buttons(ctx)][:MAX_BUTTONS]
    return Reply.with_buttons(text, buttons,
                              answer=AnswerInfo(matched=False, faq_id=None, score=result.score))


async def show_faq(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A pressed 'faq:<id>' button: show that entry's answer."""
    faq_id = (msg.payload or "").partition(":")[2]
    entry = ctx.content.faq.get(faq_id)
    if entry is None:
        return [Reply.with_buttons(ctx.t("That item is no longer available. Choose a topic:"),
                                   menu_buttons(ctx))]
    info = AnswerInfo(matched=True, faq_id=entry.id, score=1.0)
    vi = in_content_language(ctx)
    return official(ctx, [Reply.with_buttons(faq_text(vi, entry),
                                             [Button(vi.t("Menu"), "topic:menu")], answer=info)])


def _faq_button(ctx: Context, faq_id: str) -> Button:
    return Button(short_label(ctx.content.faq[faq_id].questions[0]), f"faq:{faq_id}")


def short_label(text: str) -> str:
    return shorten(text, BUTTON_LABEL_CHARS)
