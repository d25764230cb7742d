"""/canhbao: channel alerts officers must know about (a Zalo quota ran out)."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import IncomingMessage, Reply

ALERTS_SHOWN = 10


async def show_alerts(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """List the most recent channel alerts, newest first (officers and admins only)."""
    alerts = await ctx.alerts.recent(ALERTS_SHOWN)
    if not alerts:
        return [Reply(ctx.t("No channel alerts."))]
    lines = [ctx.t("Channel alerts, newest first:")]
    for alert in alerts:
        when = ctx.t.fmt.date(alert.created_at.astimezone(ctx.services.timezone))
        lines.append(f"• {when} {alert.channel} ({alert.code}): {alert.message}")
    return [Reply("\n".join(lines))]
