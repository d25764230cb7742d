"""The one table of commands: names, unaccented aliases, who may use them, what they do.

The help text and the platforms' command menus (Telegram setMyCommands) are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.i18n import N_
from db.models import Role
from handlers import (
    account,
    alerts,
    broadcasts,
    console,
    menu,
    reminders,
    reports,
    start,
    subscriptions,
    teams,
    topics,
    visits,
)
from handlers.answers import CONTENT_LOCALE
from handlers.context import Context
from handlers.messages import IncomingMessage, Reply
from handlers.types import Handler


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    description: str
    aliases: tuple[str, ...] = ()
    min_role: Role = Role.CITIZEN
    in_menu: bool = True


async def show_help(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """List the commands this user may use, then the topic menu."""
    lines = [ctx.t("Commands you can type:")]
    for command in visible_commands(ctx.role):
        shown = [alias for alias in command.aliases
                 if ctx.t.locale != CONTENT_LOCALE or alias not in ENGLISH_ALIASES]
        aliases = "".join(f", {alias}" for alias in shown)
        lines.append(f"{command.name}{aliases}: {ctx.t(command.description)}")
    lines.append(ctx.t("Or simply type your question, with or without diacritics."))
    ctx.finish()
    return [Reply("\n".join(lines)), menu.menu_reply(ctx)]


ENGLISH_ALIASES = frozenset({"/reminders", "/join", "/team", "/invite", "/report", "/broadcast",
                             "/alerts", "/login"})
"""Aliases in English: they work for everyone, but the Vietnamese command list leaves them out."""

COMMANDS: tuple[Command, ...] = (
    Command("/start", start.start, N_("greeting, what the bot stores, your province")),
    Command("/menu", menu.show_menu, N_("topic menu")),
    Command("/help", show_help, N_("all commands"), ("/trogiup", "/huongdan")),
    Command("/ngaycds", topics.show_day, N_("the Day: date, meaning, countdown"), ("/ngaychuyendoiso",)),
    Command("/chude", topics.show_themes, N_("each year's theme"), ("/chudenam",)),
    Command("/cuocthi", topics.show_contests, N_("contests: open, upcoming, finished"), ("/thi",)),
    Command("/sukien", topics.show_events, N_("events and programmes"), ("/chuongtrinh",)),
    Command("/khuyenmai", topics.show_promotions, N_("e-commerce and cashless promotions"), ("/uudai",)),
    Command("/tocnscd", topics.show_teams, N_("community tech teams and campaigns"), ("/tocongnghe",)),
    Command("/tailieu", topics.show_resources, N_("official links and documents"), ("/lienket",)),
    Command("/hanbaocao", topics.show_deadlines, N_("reporting deadlines"), ("/baocaohan",),
            min_role=Role.MEMBER),
    Command("/dangky", subscriptions.subscribe, N_("subscribe to news: contests, events…"), ("/dangki",)),
    Command("/huydangky", subscriptions.unsubscribe_all, N_("stop all news"), ("/huydangki",)),
    Command("/nhacnho", reminders.show_settings, N_("turn automatic reminders on or off"),
            ("/reminders",)),
    Command("/tinh", start.change_province, N_("choose your province"), ("/tinhthanh",)),
    Command("/lang", account.choose_language, N_("Tiếng Việt / English"), ("/ngonngu",)),
    Command("/toi", account.show_my_data, N_("what the bot stores about you"), ("/dulieu",)),
    Command("/xoadulieu", account.ask_erase, N_("delete your data"), ("/xoa",)),
    Command("/huy", menu.cancel, N_("stop the form or choice in progress"), ("/thoat",)),
    Command("/thamgia", teams.join, N_("join a community tech team with its code"), ("/join",)),
    Command("/ghinhan", visits.start_form, N_("log a guidance visit (guided form)"),
            ("/ghi",), min_role=Role.MEMBER),
    Command("/gn", visits.quick_form, N_("log a visit in one line"), (), min_role=Role.MEMBER),
    Command("/sua", visits.edit_last, N_("correct your last logged visit"), ("/suaghinhan",),
            min_role=Role.MEMBER),
    Command("/to", teams.show_team, N_("your team: area and members"), ("/team",),
            min_role=Role.MEMBER),
    Command("/moi", teams.invite, N_("a new invite code for your team"), ("/invite",),
            min_role=Role.LEADER),
    Command("/baocao", reports.start_report, N_("visit reports: summary, Excel, CSV, chart"),
            ("/bc", "/report"), min_role=Role.LEADER),
    Command("/taoto", teams.create_team, N_("create a community tech team"), ("/taoteam",),
            min_role=Role.OFFICER),
    Command("/dsto", teams.list_teams, N_("the teams in your area"), ("/danhsachto",),
            min_role=Role.OFFICER),
    Command("/thongbao", broadcasts.compose, N_("send an announcement to citizens or teams"),
            ("/guitin", "/broadcast"), min_role=Role.OFFICER),
    Command("/dangnhap", console.send_login_link, N_("a sign-in link for the web console"),
            ("/login",), min_role=Role.LEADER),
    Command("/canhbao", alerts.show_alerts, N_("channel alerts (quota, errors)"), ("/alerts",),
            min_role=Role.OFFICER, in_menu=False),
)

_BY_NAME: dict[str, Command] = {}
for _command in COMMANDS:
    for _name in (_command.name, *_command.aliases):
        _BY_NAME[_name] = _command


def find_command(name: str) -> Command | None:
    return _BY_NAME.get(name.lower())


def visible_commands(role: Role) -> list[Command]:
    return [c for c in COMMANDS if role >= c.min_role]
