"""/dangnhap: a one-time link that signs a leader, officer or admin in to the web console."""

from __future__ import annotations

from db.console import LINK_LIFETIME, AuditLog, ConsoleAuth
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply


async def send_login_link(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    t = ctx.t
    base = ctx.services.console_url
    if not base:
        return [Reply(t("The web console is not enabled on this server."))]
    token = await ConsoleAuth(ctx.session, ctx.clock, ctx.services.admins).issue_link(ctx.user)
    await AuditLog(ctx.session, ctx.clock).record(ctx.user, "link_sent",
                                                  province=ctx.user.scope_province,
                                                  details={"channel": ctx.identity.channel})
    link = f"{base}/login/{token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    text = t("Your sign-in link for the web console. It works once, for {minutes} minutes; "
             "do not forward it to anyone:\n{link}", minutes=minutes, link=link)
    return [Reply(text, buttons=(Button(t("Open the console"), url=link),))]
