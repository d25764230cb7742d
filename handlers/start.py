"""/start: greeting, what the bot stores and why (Decree 13/2023/NĐ-CP), consent, province."""

from __future__ import annotations

from content.normalize import tokenize
from db.models import utcnow
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply
from handlers.subscriptions import offer_subscription

YES_WORDS = {"co", "dong y", "ok", "yes", "y", "u", "uh", "vang", "da", "dong"}
NO_WORDS = {"khong", "ko", "k", "no", "n", "thoi", "khong dong y", "tu choi"}


def _consent_question(ctx: Context) -> Reply:
    ctx.goto("start.consent")
    return Reply.with_buttons(
        ctx.t("May I store your province so that answers about your province come first? "
              "You can change or delete it at any time with /xoadulieu."),
        [Button(ctx.t("Yes, I agree"), "consent:yes"), Button(ctx.t("No, thanks"), "consent:no")])


async def start(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Greet, explain what is stored, then ask for consent to store the province (next: start.consent).
    With an invite code after it (a team's deep link t.me/<bot>?start=CODE): join that team."""
    command = msg.command
    if command and command[1]:
        from handlers.teams import join_with_code

        return await join_with_code(ctx, command[1])
    greeting = ctx.t(
        "Hello! I am the assistant for National Digital Transformation Day (10/10) and your "
        "province's digital transformation campaigns. Ask me anything about the Day, contests, "
        "events, promotions and community tech teams, in Vietnamese, with or without diacritics.")
    privacy = ctx.t(
        "What I store (Decree 13/2023/NĐ-CP on personal data protection): your chat account id, "
        "your language, the questions you ask (without your name) so officers can improve the "
        "answers, and, only if you agree, your province. See it with /toi, delete it with /xoadulieu.")
    return [Reply(greeting), Reply(privacy), _consent_question(ctx)]


async def record_consent(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Consent by button or typed yes/no: yes asks the province (next: start.province), no offers news."""
    answer = (msg.payload or "").partition(":")[2] or _yes_no(msg.text)
    if answer == "yes":
        ctx.user.location_consent, ctx.user.location_consent_at = True, utcnow()
        return [province_question(ctx)]
    if answer == "no":
        ctx.user.location_consent, ctx.user.location_consent_at = False, None
        ctx.user.province = ctx.user.district = ctx.user.commune = None
        ctx.finish()
        return [await offer_subscription(ctx, ctx.t("All right, I will not store your location."))]
    ctx.finish()
    return []  # not a yes/no: the router hands the text on as a question


def province_question(ctx: Context) -> Reply:
    ctx.goto("start.province")
    buttons = [Button(p.name, f"prov:{p.slug}") for p in ctx.content.provinces]
    buttons.append(Button(ctx.t("Other province"), "prov:none"))
    return Reply.with_buttons(ctx.t("Which province do you live in?"), buttons)


async def choose_province(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A province button (or its typed name): store it if consent was given, then offer subscribing."""
    slug = (msg.payload or "").partition(":")[2] or _province_by_name(ctx, msg.text)
    ctx.finish()
    if slug is None:
        return []
    if not ctx.user.location_consent:
        return [_consent_question(ctx)]
    province = ctx.content.province(slug)
    ctx.user.province = province.slug if province else None
    if province is None:
        text = ctx.t("Thank you. I have national information for everyone; provincial details "
                     "are available for the provinces listed.")
    else:
        text = ctx.t("Thank you! Answers about {province} will come first.", province=province.name)
    return [await offer_subscription(ctx, text)]


async def change_province(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/tinh: choose the province again (asks for consent first if it was not given)."""
    return [province_question(ctx) if ctx.user.location_consent else _consent_question(ctx)]


def _yes_no(text: str) -> str | None:
    words = " ".join(tokenize(text))
    if words in YES_WORDS:
        return "yes"
    if words in NO_WORDS:
        return "no"
    return None


def _province_by_name(ctx: Context, text: str) -> str | None:
    if " ".join(tokenize(text)) in {"khac", "tinh khac", "other"}:
        return "none"
    province = ctx.content.province_named(text)
    return province.slug if province else None
