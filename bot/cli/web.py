"""`cdsbot web sites add|list|remove`: the portals that may embed the web chat widget."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.web_assets import WIDGET_PATH
from bot.channels.web_guard import SITE_CACHE_SECONDS
from bot.cli.common import load_settings, run_command
from bot.settings import Settings
from bot.store import open_store
from db.web_chat import WebSites


def origin(text: str) -> str:
    """'https://portal.gov.vn' from what an admin typed (a page address is cut to its origin)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"'{text}' is not a web origin such as https://cds.example.gov.vn",
                                 param_hint="--origin")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[AsyncSession]:
    async with open_store(settings) as store, store.sessions() as session, session.begin():
        yield session


@click.group("web")
def web_command() -> None:
    """The web chat widget for portals."""


@web_command.group("sites")
def sites() -> None:
    """Site keys: which portals may embed the widget, from which origins."""


@sites.command("add")
@click.argument("name")
@click.option("--origin", "origins", required=True, multiple=True,
              help="An origin the portal's pages are served from, e.g. https://cds.example.gov.vn; "
                   "repeat for more (www and non-www are different origins).")
def add(name: str, origins: tuple[str, ...]) -> None:
    """Add a site named NAME and print its key and the tag to paste into its pages."""
    name = name.strip()
    if not name or len(name) > 200:
        raise click.BadParameter("a name of 1 to 200 characters", param_hint="NAME")
    allowed = sorted({origin(text) for text in origins})
    settings = load_settings()
    run_command(_add(settings, name, allowed))


async def _add(settings: Settings, name: str, origins: list[str]) -> None:
    async with _database(settings) as session:
        site = await WebSites(session).add(name, origins)
    base = settings.public_url()
    click.echo(f"site {site.key}: {name}, allowed from {', '.join(origins)}")
    click.echo("paste into the portal's pages:")
    click.echo(f'  <script src="{base}{WIDGET_PATH}" data-site="{site.key}" async></script>')
    click.echo(f"and add to the portal's Content-Security-Policy: script-src {base}; "
               f"connect-src {base}; img-src {base}")


@sites.command("list")
def list_() -> None:
    """List the sites with their keys and origins."""
    run_command(_list(load_settings()))


async def _list(settings: Settings) -> None:
    async with _database(settings) as session:
        found = await WebSites(session).all()
    if not found:
        click.echo("no sites yet: add one with `cdsbot web sites add NAME --origin https://…`")
    for site in found:
        click.echo(f"{site.key}\t{site.name}\t{' '.join(site.origins)}")


@sites.command("remove")
@click.argument("key")
def remove(key: str) -> None:
    """Remove the site KEY: its widget stops working (in every running worker within
    half a minute)."""
    run_command(_remove(load_settings(), key))


async def _remove(settings: Settings, key: str) -> None:
    async with _database(settings) as session:
        removed = await WebSites(session).remove(key)
    if not removed:
        raise click.ClickException(f"no site with key {key}")
    click.echo(f"site {key} removed; running workers refuse it within "
               f"{SITE_CACHE_SECONDS:.0f} s")
