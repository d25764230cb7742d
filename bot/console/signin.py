"""Signing in with a one-time link, and out.

GET /login/<token> only shows a confirm page (link previews and scanners follow GET links and
must not use the token); its POST signs in. A used, expired or unknown link says so and how to
get a new one.
"""

from __future__ import annotations

from aiohttp import web

from bot.console.pages import (
    CONSOLE,
    CONSOLE_PATH,
    COOKIE,
    SIGNED,
    T,
    render,
    signed_in,
)
from content.i18n import N_
from db.console import AuditLog, Opened, Refused

REFUSALS = {
    Refused.UNKNOWN: (404, N_("This sign-in link is not valid. Type /dangnhap in the chat with "
                              "the bot to get a new one.")),
    Refused.EXPIRED: (410, N_("This sign-in link has expired (links last 10 minutes). Type "
                              "/dangnhap in the chat with the bot to get a new one.")),
    Refused.USED: (410, N_("This sign-in link has been used already (each link works once). "
                           "Type /dangnhap in the chat with the bot to get a new one.")),
    Refused.NOT_ALLOWED: (403, N_("The console is for team leaders, officers and admins; your "
                                  "account has none of these roles.")),
}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/signin", how_to_sign_in)
    app.router.add_get("/login/{token}", confirm)
    app.router.add_post("/login", sign_in)
    app.router.add_post("/signout", signed_in(sign_out))
    app.router.add_post("/signout-everywhere", signed_in(sign_out_everywhere))


def _refused(request: web.Request, refusal: Refused) -> web.Response:
    status, message = REFUSALS[refusal]
    t = request[T]
    return render(request, "message.html", status=status, title=t("Sign-in link refused"),
                  message=t(message))


async def how_to_sign_in(request: web.Request) -> web.Response:
    if request[SIGNED] is not None:
        raise web.HTTPSeeOther(CONSOLE_PATH + "/")
    return render(request, "signin.html")


async def confirm(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        refusal = await console.auth(session).check_link(token)
    if refusal is not None:
        return _refused(request, refusal)
    return render(request, "confirm.html", token=token)


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = str(form.get("token", ""))
    console = request.app[CONSOLE]
    async with console.sessions() as session, session.begin():
        opened = await console.auth(session).redeem(token)
        if isinstance(opened, Opened):
            await AuditLog(session, console.clock).record(
                opened.user, "sign_in", province=opened.user.scope_province)
    if not isinstance(opened, Opened):
        return _refused(request, opened)
    response = web.HTTPSeeOther(CONSOLE_PATH + "/")
    console.set_session_cookie(response, opened.cookie)
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    async with console.sessions() as session, session.begin():
        await console.auth(session).sign_out(signed)
        await AuditLog(session, console.clock).record(
            signed.user, "sign_out", province=signed.user.scope_province)
    t = request[T]
    return _signed_out(request, t("You have signed out."))


async def sign_out_everywhere(request: web.Request) -> web.StreamResponse:
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    async with console.sessions() as session, session.begin():
        count = await console.auth(session).sign_out_everywhere(signed.user.id)
        await AuditLog(session, console.clock).record(
            signed.user, "sign_out_everywhere", province=signed.user.scope_province,
            details={"sessions": count})
    t = request[T]
    return _signed_out(request, t.plural("You have signed out of {n} browser.",
                                         "You have signed out of {n} browsers.", count))


def _signed_out(request: web.Request, message: str) -> web.Response:
    request[SIGNED] = None
    t = request[T]
    response = render(request, "message.html", title=t("Signed out"), message=message)
    response.del_cookie(COOKIE, path=CONSOLE_PATH)
    return response
