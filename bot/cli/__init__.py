"""`cdsbot`: the command line. Each group of commands is a module of this package; they share
the settings, the async runner and the exit codes of `common`.

A command's module is imported only when that command runs: `cdsbot teams list` loads the
database layer, not the content, the matcher and every channel (seconds of start-up otherwise)."""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "run": "bot.cli.core:run",
    "chat": "bot.cli.core:chat",
    "ask": "bot.cli.core:ask",
    "content": "bot.cli.core:content",
    "db": "bot.cli.db:db",
    "unanswered": "bot.cli.db:unanswered",
    "zalo": "bot.cli.zalo:zalo",
    "teams": "bot.cli.teams:teams_command",
    "users": "bot.cli.teams:users_command",
    "demo-data": "bot.cli.demo:demo_data_command",
    "report": "bot.cli.report:report_command",
    "places": "bot.cli.places:places_command",
    "broadcast": "bot.cli.broadcast:broadcast_command",
    "web": "bot.cli.web:web_command",
    "console": "bot.cli.console:console_command",
}
"""Command name: the module and attribute that define it."""


class LazyGroup(click.Group):
    """A group whose commands are imported from COMMANDS on first use (click's documented way
    to load subcommands lazily)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup)
def main() -> None:
    """CDS Outreach Bot: National Digital Transformation Day assistant."""


__all__ = ["main"]
