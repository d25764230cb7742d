"""`cdsbot`: the command line. Each group of commands is a module of this package; they share
the settings, the async runner and the exit codes of `common`."""

from bot.cli.broadcast import broadcast_command
from bot.cli.console import console_command
from bot.cli.core import main
from bot.cli.demo import demo_data_command
from bot.cli.places import places_command
from bot.cli.report import report_command
from bot.cli.teams import teams_command, users_command
from bot.cli.web import web_command

for command in (teams_command, users_command, demo_data_command, report_command, places_command,
                broadcast_command, web_command, console_command):
    main.add_command(command)

__all__ = ["main"]
