"""/start: greeting, what the bot stores and why (Decree 13/2023/NĐ-CP), consent, province."""

from __future__ import annotations

from content.collation import vietnamese_order
from content.normalize import tokenize
from handlers.answers import former_province_note
from handlers.context import Context
from handlers.menu import menu_reply
from handlers.messages import Button, IncomingMessage, Reply
from handlers.subscriptions import offer_subscription
from handlers.teams import join_with_code
from handlers.types import NOT_HANDLED, Declined

YES_WORDS = {"co", "dong y", "ok", "yes", "y", "u", "uh", "vang", "da", "dong"}
NO_WORDS = {"khong", "ko", "k", "no", "n", "thoi", "khong dong y", "tu choi"}


def _consent_question(ctx: Context) -> Reply:
    ctx.goto("start.consent")
    return Reply.with_buttons(
        ctx.t("May I store your province so that answers about your province come first? "
              "You can change or delete it at any time with /xoadulieu."),
        [Button(ctx.t("Yes, I agree"), "consent:yes"), Button(ctx.t("No, thanks"), "consent:no")])


async def start(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """On first contact: greet, explain what is stored, then ask for consent to store the
    province (next: start.consent). Later: welcome back, with the menu. With an invite code
    after it (a team's deep link t.me/<bot>?start=CODE): join that team."""
    command = msg.command
    if command and command[1]:
        return await join_with_code(ctx, command[1])
    if not ctx.first_contact and not _onboarding_open(ctx):
        return [welcome_back(ctx)]
    return onboarding(ctx)


def _onboarding_open(ctx: Context) -> bool:
    """The consent or province question is still waiting: /start asks it again, in full."""
    return ctx.step is not None and ctx.step.name in ("start.consent", "start.province")


def welcome_back(ctx: Context) -> Reply:
    """A second /start (or a follow again): no consent question again, what is set and the menu."""
    t = ctx.t
    lines = [t("Welcome back! Ask me anything about the Day, contests, events and promotions, "
               "or choose a topic below.")]
    province = ctx.services.places.units.province(ctx.user.province) if ctx.user.province else None
    if province is not None:
        lines.append(t("Your province: {province} (change it with /tinh). What I store: /toi.",
                       province=province.short))
    else:
        lines.append(t("To get your province's information first, choose it with /tinh. "
                       "What I store: /toi."))
    return menu_reply(ctx, "\n".join(lines))


def introduction(ctx: Context) -> Reply:
    """After the answer to a first message that was not /start: the greeting, what is stored
    and the consent question in one message, so the answer is not buried under three."""
    greeting, privacy, consent = onboarding(ctx)
    return Reply.with_buttons("\n\n".join((greeting.text, privacy.text, consent.text)),
                              consent.buttons)


def onboarding(ctx: Context) -> list[Reply]:
    """The first greeting: who the bot is, what it stores, and the consent question."""
    greeting = ctx.t(
        "Hello! I am the assistant for National Digital Transformation Day (10/10) and your "
        "province's digital transformation campaigns. Ask me anything about the Day, contests, "
        "events, promotions and community tech teams, in Vietnamese, with or without diacritics.")
    privacy = ctx.t(
        "What I store (Decree 13/2023/NĐ-CP on personal data protection): your chat account id, "
        "your language, the questions you ask (without your name) so officers can improve the "
        "answers, and, only if you agree, your province. See it with /toi, delete it with /xoadulieu.")
    return [Reply(greeting), Reply(privacy), _consent_question(ctx)]


async def record_consent(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """Consent by button or typed yes/no: yes asks the province (next: start.province), no offers news."""
    answer = (msg.payload or "").partition(":")[2] or _yes_no(msg.text)
    if answer == "yes":
        ctx.user.location_consent, ctx.user.location_consent_at = True, ctx.now
        return [province_question(ctx)]
    if answer == "no":
        ctx.user.location_consent, ctx.user.location_consent_at = False, None
        ctx.user.province = ctx.user.commune = None
        ctx.finish()
        return [await offer_subscription(ctx, ctx.t("All right, I will not store your location."))]
    ctx.finish()
    return NOT_HANDLED  # not a yes/no: a question, for the FAQ


PLACE_NAME_WORDS = 4
"""Longer answers to the province question are questions, not province names."""


def province_question(ctx: Context) -> Reply:
    """The 34 current provinces as buttons, those with provincial plans first; a typed name
    (also a former province's, "Tiền Giang") is understood too."""
    ctx.goto("start.province")
    provinces = sorted(ctx.services.places.units.provinces.values(),
                       key=lambda p: (ctx.content.pack_province(p.slug) is None,
                                      vietnamese_order(p.short)))
    buttons = [Button(p.short, f"prov:{p.slug}") for p in provinces]
    return Reply.with_buttons(ctx.t("Which province or city do you live in? Press it or type "
                                    "its name (provinces as they are since 1 July 2025)."),
                              buttons)


async def choose_province(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """A province button (or its typed name): store it if consent was given, then offer subscribing."""
    chosen = (msg.payload or "").partition(":")[2]
    found = ctx.services.places.province(chosen.replace("-", " ") if chosen else msg.text)
    ctx.finish()
    if found is None:
        words = tokenize(msg.text)
        if msg.payload is None and 0 < len(words) <= PLACE_NAME_WORDS and "?" not in msg.text:
            # A short text is a province name we do not know (a typo): ask again, not the FAQ.
            again = province_question(ctx)
            return [Reply.with_buttons(ctx.t("I do not know the province “{name}”. ",
                                             name=msg.text.strip()[:40]) + again.text,
                                       again.buttons)]
        return NOT_HANDLED  # a question instead, for the FAQ
    if not ctx.user.location_consent:
        return [_consent_question(ctx)]
    province, former = found
    ctx.user.province = province.slug
    lines = []
    if former is not None:
        lines.append(former_province_note(ctx, former.short, province))
    if ctx.content.pack_province(province.slug) is None:
        lines.append(ctx.t("Thank you! I have no plans of {province} yet, so I answer with the "
                           "national information.", province=province.in_sentence))
    else:
        lines.append(ctx.t("Thank you! Answers about {province} will come first.",
                           province=province.short))
    return [await offer_subscription(ctx, "\n".join(lines))]


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

