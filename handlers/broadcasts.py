"""/thongbao: officers compose a broadcast in chat — text, optional image and link button,
audience — see how many people each channel reaches right now and a preview exactly as
recipients will see it, then send now or at a time, and pause, resume or cancel it after.

Only officers and admins reach these handlers (the command table), and every button checks
the role again on the server. An officer's audience is always limited to their own province
(and communes): the filter is added here, not chosen by them. The broadcast and its delivery
rows are written in this message's transaction, by INSERT … SELECT in batches."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import ColumnElement, or_, true

from content.i18n import N_, Translator
from content.places import PlaceFinder
from db.broadcasts.audience import (
    NOWHERE,
    AudienceError,
    Sender,
    parse_filters,
)
from db.broadcasts.formatting import CAPTION_LIMIT, TEXT_LIMIT, to_plain, utf16_len
from db.broadcasts.outbox import Link
from db.models import TOPICS, Broadcast, Role, User
from handlers.broadcast_time import read_when, time_example
from handlers.context import Context
from handlers.forms import Answer, Data, Form, Step, asking
from handlers.messages import Attachment, Button, IncomingMessage, Reply
from handlers.numbers import read_id
from handlers.subscriptions import TOPIC_LABELS
from handlers.types import Declined
from handlers.visit_fields import error_text

_URL_RE = re.compile(r"^https?://[^\s/]+\S*$")
AUDIENCE_CHOICES: tuple[tuple[str, str], ...] = (
    ("all", N_("All subscribers")),
    *((f"topic:{topic}", TOPIC_LABELS[topic]) for topic in TOPICS),
    ("role:member", N_("Team members")),
    ("role:leader", N_("Team leaders")),
)
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "web": N_("web chat"),
                  "console": N_("console chat"),
                  "demo": N_("demo subscribers (recorded only)")}
STATE_LABELS = {"draft": N_("being prepared"), "scheduled": N_("scheduled"),
                "sending": N_("sending"), "paused": N_("paused"), "done": N_("finished"),
                "cancelled": N_("cancelled")}


def sender_of(ctx: Context) -> Sender:
    """Where this account's announcements may go (db.broadcasts limits every audience to it)."""
    user = ctx.user
    return Sender.of(ctx.role, user.scope_province, user.scope_communes or ())


def _area_text(ctx: Context) -> str:
    return area_text(ctx.t, ctx.services.places, sender_of(ctx))


def area_text(t: Translator, places: PlaceFinder, sender: Sender) -> str:
    """Where a sender's announcements may go, in words."""
    area = sender.area
    if area is None:
        return t("everywhere")
    if area is NOWHERE:
        return t("none (ask an admin to set your province)")
    units = places.units
    found = places.province(area.province.replace("-", " "))  # also a former one
    name = found[0].short if found else area.province
    communes = [units.communes[c].name for c in sorted(area.communes) if c in units.communes]
    return f"{', '.join(communes)}, {name}" if communes else name


def may_manage(role: Role, user: User, broadcast: Broadcast) -> bool:
    """Who may follow, pause, resume, cancel or retry a broadcast: its sender, an admin, and
    the officers of its whole province (a colleague may stop a wrong one); an officer of some
    communes only their own."""
    if role >= Role.ADMIN or broadcast.created_by == user.id:
        return True
    return (role >= Role.OFFICER and not user.scope_communes and user.scope_province is not None
            and broadcast.province == user.scope_province)


def visible_broadcasts(role: Role, user: User) -> ColumnElement[bool]:
    """The broadcasts `may_manage` allows, as a condition for listing them."""
    if role >= Role.ADMIN:
        return true()
    mine = Broadcast.created_by == user.id
    if role >= Role.OFFICER and not user.scope_communes and user.scope_province is not None:
        return or_(mine, Broadcast.province == user.scope_province)
    return mine


# -- composing: a form (handlers/forms.py) ------------------------------------------------------

async def compose(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/thongbao: ask for the text (next: bc.text)."""
    return await COMPOSER.go(ctx, {}, "text")


def _ask_text(ctx: Context, data: Data) -> Reply:
    return Reply(ctx.t("Send the announcement's text. **bold** and __italic__ work; at most "
                       "{n} characters. /huy to stop.", n=ctx.t.fmt.number(TEXT_LIMIT)),
                 expects_text=True)


async def take_text(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    shown = to_plain(answer.text).strip()
    if not shown:
        return [Reply(ctx.t("The text is empty. Send the announcement's text."), expects_text=True)]
    if len(shown) > TEXT_LIMIT:
        return [Reply(ctx.t("The text has {n} characters; at most {limit} fit every channel. "
                            "Please shorten it.", n=ctx.t.fmt.number(len(shown)),
                            limit=ctx.t.fmt.number(TEXT_LIMIT)), expects_text=True)]
    data["text"] = answer.text
    return await COMPOSER.go(ctx, data, "image")


def _skip(ctx: Context) -> Button:
    return COMPOSER.button(ctx.t("Skip"), "skip")


def _ask_image(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Add an image? Send its link (https://…), or press “Skip”."),
                              [_skip(ctx)])


async def take_image(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice == "skip":
        data["image"] = None
        return await COMPOSER.go(ctx, data, "link")
    if not _URL_RE.match(answer.text):
        return await COMPOSER.go(ctx, data, "image", ctx.t(
            "Send the image as a link starting with https://, or press “Skip”."))
    if utf16_len(to_plain(data["text"])) > CAPTION_LIMIT:
        return await COMPOSER.go(ctx, data, "image", ctx.t(
            "With an image the text becomes its caption: at most {n} characters. Skip the image "
            "or /huy and shorten the text.", n=ctx.t.fmt.number(CAPTION_LIMIT)))
    data["image"] = answer.text
    return await COMPOSER.go(ctx, data, "link")


def _ask_link(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Add a link button? Write “label | https://…”, or press "
                                    "“Skip”."), [_skip(ctx)])


async def take_link(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice == "skip":
        data["link"] = None
        return await COMPOSER.go(ctx, data, "audience")
    label, _, url = answer.text.rpartition("|")
    label, url = label.strip(), url.strip()
    if not label or not _URL_RE.match(url) or len(label) > 40:
        return await COMPOSER.go(ctx, data, "link", ctx.t(
            "Write the button as “label | https://…” (a label of at most 40 characters), or "
            "press “Skip”."))
    data["link"] = [label, url]
    return await COMPOSER.go(ctx, data, "audience")


def _ask_audience(ctx: Context, data: Data) -> Reply:
    t = ctx.t
    chosen = set(data.get("audience") or [])
    buttons = [COMPOSER.button(("✅ " if value in chosen else "") + t(label), f"aud:{value}")
               for value, label in AUDIENCE_CHOICES]
    buttons.append(COMPOSER.button(t("Next"), "done"))
    return Reply.with_buttons(t("Who should receive it? Press the groups (several groups: people "
                                "in any of them), then “Next”. Your area: {area}.",
                                area=_area_text(ctx)), buttons)


async def take_audience(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    """Toggle buttons, 'done', or typed filters (province:nghe-an topic:contests …)."""
    chosen: list[str] = list(data.get("audience") or [])
    if answer.choice is None:
        try:
            data["audience"] = list(parse_filters(answer.text.split()).filters)
        except AudienceError:
            return await COMPOSER.go(ctx, data, "audience", ctx.t(
                "I could not read those filters. Press the buttons, or write for example: "
                "topic:contests province:nghe-an"))
        return await COMPOSER.go(ctx, data, "confirm")
    if answer.choice == "done":
        if not chosen:
            return await COMPOSER.go(ctx, data, "audience", ctx.t("Choose at least one group."))
        return await COMPOSER.go(ctx, data, "confirm")
    value = answer.choice.removeprefix("aud:")
    if value in dict(AUDIENCE_CHOICES):
        data["audience"] = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
    return await COMPOSER.go(ctx, data, "audience")


def _ask_time(ctx: Context, data: Data) -> Reply:
    return Reply(ctx.t("When? Write the date and time, for example {example} (Vietnam time).",
                       example=time_example(ctx)), expects_text=True)


def _filters(ctx: Context, data: Data) -> list[str]:
    """The chosen groups (groups of one kind are alternatives). The sender's area is ANDed
    with them where the broadcast is counted and created (db.broadcasts.audience.scoped_to)."""
    return [c for c in data.get("audience") or [] if c != "all"]


async def _preview(ctx: Context, data: Data) -> list[Reply]:
    """The confirm step's question: who can be reached now, the message as they will see it."""
    counts = await ctx.broadcasts.reach(_filters(ctx, data), ctx.now,
                                        ctx.services.broadcast_rules, sender_of(ctx))
    t = ctx.t
    total = sum(counts.values())
    if total == 0:
        return [Reply.with_buttons(
            t("Nobody in this audience can be reached right now, so there is nothing to send. "
              "People are reached once they have started a chat with the bot, agreed to it "
              "and subscribed to a chosen topic, within your area ({area}). Choose other "
              "groups, or cancel.", area=_area_text(ctx)),
            [COMPOSER.button(t("Choose other groups"), "regroup"),
             COMPOSER.button(t("Cancel"), "drop")])]
    reach = ", ".join(f"{t(CHANNEL_LABELS.get(channel, channel))}: {t.fmt.number(n)}"
                      for channel, n in counts.items() if n)
    head = t("Reachable right now: {reach} — {total} people in all. The message as they will "
             "see it:", reach=reach, total=t.fmt.number(total))
    link = data.get("link")
    preview = Reply.with_buttons(data["text"], [Button(link[0], url=link[1])] if link else [])
    if data.get("image"):
        preview = Reply.with_buttons(t("[image: {url}]", url=data["image"]) + "\n" + data["text"],
                                     preview.buttons)
    actions = Reply.with_buttons(t("Send it?"), [COMPOSER.button(t("Send now"), "send"),
                                                 COMPOSER.button(t("Schedule"), "schedule"),
                                                 COMPOSER.button(t("Cancel"), "drop")])
    quota = await proactive_note(ctx, counts.get("zalo", 0))
    return [Reply(head + (f"\n{quota}" if quota else "")), preview, actions]


async def proactive_note(ctx: Context, zalo_people: int) -> str | None:
    """On Zalo a broadcast is proactive ("tin chủ động"): how many, and the month's quota left."""
    quota = ctx.services.zalo_proactive_quota
    if quota is None or not zalo_people:
        return None
    left = await ctx.broadcasts.proactive_left(quota, ctx.services.timezone, ctx.now)
    return quota_note(ctx.t, zalo_people, left, quota)


def quota_note(t: Translator, zalo_people: int, left: int, quota: int) -> str:
    note = t("On Zalo these are {n} proactive messages, counted against the month's quota: "
             "{left} of {quota} left.", n=t.fmt.number(zalo_people), left=t.fmt.number(left),
             quota=t.fmt.number(quota))
    if zalo_people > left:
        note += " " + t("That is not enough: the broadcast will pause with an alert when the "
                        "quota is used up, and the rest waits until you resume it.")
    return note


async def confirm(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice == "send":
        return await _create(ctx, data, None)
    if answer.choice == "schedule":
        return await COMPOSER.go(ctx, data, "at")
    if answer.choice == "drop":
        ctx.finish()
        return [Reply(ctx.t("Cancelled: nothing was sent."))]
    if answer.choice == "regroup":
        return await COMPOSER.go(ctx, data, "audience")
    return await COMPOSER.go(ctx, data, "confirm")  # typed text: the preview again


async def take_time(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    when, error = read_when(answer.text, ctx)
    if error is not None:
        return await COMPOSER.go(ctx, data, "at", error_text(ctx.t, error))
    assert when is not None  # None would mean "send now"
    return await _create(ctx, data, when)


async def _create(ctx: Context, data: Data, at: dt.datetime | None) -> list[Reply]:
    ctx.finish()
    t = ctx.t
    reach = await ctx.broadcasts.reach(_filters(ctx, data), ctx.now,
                                       ctx.services.broadcast_rules, sender_of(ctx))
    if not sum(reach.values()):  # a broadcast to nobody is not created (it would show "done")
        return [Reply(t("Nobody in that audience can be reached right now, so nothing will be "
                        "sent."))]
    link = data.get("link")
    broadcast_id, total = await ctx.broadcasts.create(
        text=data["text"], image_url=data.get("image"),
        link=Link(link[1], link[0]) if link else None, filters=_filters(ctx, data), at=at,
        created_by=ctx.user.id, rules=ctx.services.broadcast_rules, now=ctx.now,
        sender=sender_of(ctx))
    when = (t("It will go out on {date} at {time}.", date=t.fmt.date(at.date()),
              time=t.fmt.time(at.timetz())) if at else t("Sending now."))
    text = t("Announcement #{id} for {n} people. {when}", id=broadcast_id,
             n=t.fmt.number(total), when=when)
    buttons = control_buttons(ctx.t, broadcast_id, "scheduled" if at else "sending")
    return [Reply(text, tuple(buttons), track=broadcast_id)]


# -- after sending: status, pause, resume, cancel, failures --------------------------------------

def control_buttons(t: Translator, broadcast_id: int, state: str) -> list[Button]:
    buttons = [Button(t("Progress"), f"bc:status:{broadcast_id}")]
    if state in ("scheduled", "sending"):
        buttons.append(Button(t("Pause"), f"bc:pause:{broadcast_id}"))
    if state == "paused":
        buttons.append(Button(t("Resume"), f"bc:resume:{broadcast_id}"))
    if state in ("scheduled", "sending", "paused"):
        buttons.append(Button(t("Stop sending"), f"bc:cancel:{broadcast_id}"))
    if state in ("done", "cancelled"):
        buttons.append(Button(t("Failures (CSV)"), f"bc:failures:{broadcast_id}"))
    return buttons


def progress_reply(t: Translator, current: dict[str, Any],
                   took: dt.timedelta | None = None) -> Reply:
    """The tracked message as it stands: the status (with how long it took, once over) and the
    buttons that fit it."""
    text = status_text(t, current)
    if took is not None:
        text += " " + t("Took {duration}.", duration=t.fmt.duration(took))
    return Reply.with_buttons(text, control_buttons(t, current["id"], current["state"]))


def status_text(t: Translator, current: dict[str, Any]) -> str:
    number = t.fmt.number
    return t("Announcement #{id}: {state}. Sent {sent} of {total}; failed {failed}; blocked the "
             "bot {blocked}; waiting {pending}.", id=current["id"],
             state=t(STATE_LABELS.get(current["state"], current["state"])),
             sent=number(current["sent"]), total=number(current["total"]),
             failed=number(current["failed"]), blocked=number(current["blocked"]),
             pending=number(current["pending"]))


async def on_button(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """'bc:…' buttons: the compose steps, or an action on a broadcast (officers only, on
    the broadcasts they may manage: may_manage)."""
    if ctx.role < Role.OFFICER:
        return [Reply(ctx.t("Sorry, only officers can send announcements."))]
    parts = (msg.payload or "").split(":")
    if len(parts) == 3 and read_id(parts[2]) is not None and parts[1] in ("status", "pause", "resume",
                                                                "cancel", "failures"):
        return await _act(ctx, parts[1], read_id(parts[2]) or 0)
    if not COMPOSER.is_open(ctx):
        return [Reply(ctx.t("This form is closed. Start a new announcement with /thongbao."))]
    return await continue_compose(msg, ctx)


async def _act(ctx: Context, action: str, broadcast_id: int) -> list[Reply]:
    broadcast = await ctx.broadcasts.get(broadcast_id)
    if broadcast is None or not may_manage(ctx.role, ctx.user, broadcast):
        return [Reply(ctx.t("I could not find that announcement among yours."))]
    if action == "pause":
        await ctx.broadcasts.pause(broadcast_id)
    elif action == "resume":
        await ctx.broadcasts.resume(broadcast_id, ctx.now)
    elif action == "cancel":
        await ctx.broadcasts.cancel(broadcast_id, ctx.now)
    elif action == "failures":
        return [await _failures(ctx, broadcast_id)]
    current = await ctx.broadcasts.status(broadcast_id)
    assert current is not None
    return [Reply.with_buttons(status_text(ctx.t, current),
                               control_buttons(ctx.t, broadcast_id, current["state"]))]


async def _failures(ctx: Context, broadcast_id: int) -> Reply:
    folder = ctx.services.reports_dir / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"thong-bao-{broadcast_id}-loi.csv"
    count = await ctx.broadcasts.failures_csv(broadcast_id, path)
    if count == 0:
        return Reply(ctx.t("No failed deliveries for announcement #{id}.", id=broadcast_id))
    return Reply(ctx.t("{n} failed deliveries for announcement #{id}:", n=ctx.t.fmt.number(count),
                       id=broadcast_id),
                 attachment=Attachment("document", path, path.name))


COMPOSER = Form("bc", {
    "text": Step(asking(_ask_text), take_text),
    "image": Step(asking(_ask_image), take_image),
    "link": Step(asking(_ask_link), take_link),
    "audience": Step(asking(_ask_audience), take_audience),
    "confirm": Step(_preview, confirm),
    "at": Step(asking(_ask_time), take_time),
})


async def continue_compose(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """The conversation step 'bc.<step>': the composer's answer to it."""
    if ctx.role < Role.OFFICER:  # demoted while composing
        ctx.finish()
        return [Reply(ctx.t("Sorry, only officers can send announcements."))]
    return await COMPOSER.take(msg, ctx)
