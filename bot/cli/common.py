"""What every `cdsbot` command shares: the settings, one async runner, the exit codes.

Exit codes: 0 done; 1 the command ran and failed (an error nobody typed: a database outage, a
bug); 2 bad input or content (invalid settings, invalid packs, a setting that stops start-up
such as a port in use, a refused request). The traceback only with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

import click
from pydantic import ValidationError

from bot.log_secrets import SecretsFilter, mask_secrets_in_logs
from bot.settings import Settings, describe_invalid
from bot.startup import explain
from content.errors import ContentError, InputError

FAILED = 1
BAD_INPUT = 2


def load_settings() -> Settings:
    """The settings from the environment and .env; invalid ones stop with exit code 2 and a line
    per setting that never shows the value given. Logging masks every secret set."""
    try:
        settings = Settings()
    except ValidationError as error:
        click.echo("Cannot start: invalid settings (see .env.example):", err=True)
        for line in describe_invalid(error):
            click.echo(f"  {line}", err=True)
        sys.exit(BAD_INPUT)
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
    mask_secrets_in_logs(settings.secrets)
    _LAST_SETTINGS.append(settings)
    return settings


_LAST_SETTINGS: list[Settings] = []
"""The settings `load_settings` read, so a failure can name the setting to change."""


def run_command(coro: Coroutine[Any, Any, object]) -> None:
    """Run a coroutine. Invalid content stops with its list of errors; a known start-up
    failure (port in use, database missing or unreachable, folder not writable) with one line
    naming the setting to change; anything else with one line too. Exit code 2; the traceback
    only with LOG_LEVEL=DEBUG."""
    try:
        asyncio.run(coro)
    except ContentError as exc:
        click.echo(f"Cannot start: {exc}", err=True)
        sys.exit(BAD_INPUT)
    except InputError as exc:
        click.echo(f"Cannot do that: {exc}", err=True)
        sys.exit(BAD_INPUT)
    except KeyboardInterrupt:
        pass
    except (click.ClickException, click.Abort, click.exceptions.Exit):
        raise  # click's own answers to the person at the terminal, with its exit codes
    except Exception as exc:
        settings = _LAST_SETTINGS[-1] if _LAST_SETTINGS else None
        known = explain(exc, settings)
        line = (f"Cannot start: {known}" if known else
                f"Stopped by an error: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
        click.echo(SecretsFilter(settings.secrets if settings else []).mask(line), err=True)
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            logging.getLogger(__name__).debug("the error in full", exc_info=exc)
        else:
            click.echo("(LOG_LEVEL=DEBUG shows the details)", err=True)
        sys.exit(BAD_INPUT if known else FAILED)
