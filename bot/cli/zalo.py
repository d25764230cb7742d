"""`cdsbot zalo auth-url|exchange`: the Zalo OA's first token pair (OAuth v4 with PKCE)."""

from __future__ import annotations

import aiohttp
import click

from bot.channels.zalo_client import ZaloTokens, permission_url, pkce_pair
from bot.cli.common import load_settings, run_command
from bot.settings import Settings
from bot.store import open_store


@click.group()
def zalo() -> None:
    """Zalo OA: obtain the first token pair (OAuth v4 with PKCE)."""


@zalo.command("auth-url")
@click.option("--state", default="cdsbot", show_default=True)
def zalo_auth_url(state: str) -> None:
    """Print the OA permission URL and the PKCE code verifier to keep for `exchange`."""
    settings = load_settings()
    if not (settings.zalo_app_id and settings.zalo_redirect_uri):
        raise click.UsageError("set ZALO_APP_ID and ZALO_REDIRECT_URI first")
    verifier, challenge = pkce_pair()
    click.echo(permission_url(settings.zalo_oauth_base_url, settings.zalo_app_id,
                              settings.zalo_redirect_uri, challenge, state))
    click.echo(f"code_verifier: {verifier}")
    click.echo("Open the URL as the OA admin, approve, then run: "
               "cdsbot zalo exchange CODE --verifier <code_verifier>")


@zalo.command("exchange")
@click.argument("code")
@click.option("--verifier", required=True, help="The code_verifier printed by `auth-url`.")
def zalo_exchange(code: str, verifier: str) -> None:
    """Trade the authorisation CODE for the first token pair and store it in the database."""
    run_command(_zalo_exchange(load_settings(), code, verifier))


async def _zalo_exchange(settings: Settings, code: str, verifier: str) -> None:
    if not (settings.zalo_app_id and settings.zalo_app_secret):
        raise click.UsageError("set ZALO_APP_ID and ZALO_APP_SECRET first")
    async with open_store(settings) as store, aiohttp.ClientSession() as http:
        tokens = ZaloTokens(store.sessions, http, settings.zalo_oauth_base_url, settings.zalo_app_id,
                            settings.zalo_app_secret.get_secret_value())
        await tokens.exchange_code(code, verifier)
    click.echo("Zalo token pair stored; the bot refreshes it from now on.")
