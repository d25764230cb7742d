"""`cdsbot console login-link CHANNEL:ID`: a one-time sign-in link for the web console, for an
admin to hand to a leader, officer or admin (who can also type /dangnhap in chat)."""

from __future__ import annotations

import click

from bot.cli.common import load_settings, run_command
from bot.console.pages import CONSOLE_PATH
from bot.settings import Settings
from bot.store import open_store
from db.console import CONSOLE_ROLE, LINK_LIFETIME, AuditLog, ConsoleAuth
from db.repositories import UserRepository


@click.group("console")
def console_command() -> None:
    """The web console for leaders, officers and admins (/console)."""


@console_command.command("login-link")
@click.argument("account")
def login_link(account: str) -> None:
    """Print a sign-in link for ACCOUNT (channel:user id, e.g. zalo:84123...); it works once,
    for 10 minutes."""
    channel, _, external_id = account.partition(":")
    if not (channel and external_id):
        raise click.UsageError("ACCOUNT is channel:user id, e.g. telegram:123456")
    run_command(_login_link(load_settings(), channel, external_id))


async def _login_link(settings: Settings, channel: str, external_id: str) -> None:
    async with open_store(settings) as store, store.sessions() as session, session.begin():
        identity = await UserRepository(session).find(channel, external_id)
        if identity is None:
            raise click.ClickException(f"no account {channel}:{external_id}: the person must "
                                       "have written to the bot first")
        auth = ConsoleAuth(session, admins=settings.admins)
        if await auth.role_of(identity.user) < CONSOLE_ROLE:
            raise click.ClickException(f"{channel}:{external_id} is not a team leader, officer "
                                       "or admin (cdsbot users grant)")
        token = await auth.issue_link(identity.user)
        await AuditLog(session).record(None, "link_sent", province=identity.user.scope_province,
                                       target=f"{channel}:{external_id}",
                                       details={"by": "command line"})
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    click.echo(f"{settings.public_url()}{CONSOLE_PATH}/login/{token}")
    click.echo(f"(works once, for {minutes} minutes)", err=True)
