"""Secrets and personal data stay out of what the bot prints: settings errors, logs (also at
DEBUG, where python-telegram-bot logs request URLs with the token), database errors."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError

from bot.log_secrets import SecretsFilter
from bot.settings import Settings
from db.engine import create_engine
from tests.clock_travel import bot_command

TOKEN = "123456:AAH-secret-token-value_xyz"


def test_an_invalid_setting_is_named_without_its_value(tmp_path):
    import subprocess

    env = {"PATH": "/usr/bin:/bin", "ZALO_OA_SECRET_KEY": "oa-secret-do-not-print",
           "TELEGRAM_WEBHOOK_URL": "https://bot.example/webhooks/telegram",
           "TELEGRAM_WEBHOOK_SECRET": "has spaces, not allowed", "DEFAULT_LOCALE": "fr"}
    result = subprocess.run(bot_command("content", "check"), capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 2
    assert "DEFAULT_LOCALE" in result.stderr and "invalid settings" in result.stderr
    for secret in ("oa-secret-do-not-print", "has spaces, not allowed"):
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_log_filter_masks_every_secret_also_in_tracebacks(caplog):
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                        zalo_oa_secret_key="oa-key-123456",
                        database_url="postgresql+asyncpg://bot:db-password-1@db.example/cds")
    masking = SecretsFilter(settings.secrets)
    logger = logging.getLogger("telegram.ext.test")
    logger.addFilter(masking)
    try:
        with caplog.at_level(logging.DEBUG, logger="telegram.ext.test"):
            logger.debug("Calling Bot API endpoint `getMe` at https://api.telegram.org/bot%s/getMe",
                         TOKEN)
            try:
                raise RuntimeError("connect failed with key oa-key-123456 and db-password-1")
            except RuntimeError:
                logger.exception("request failed")
    finally:
        logger.removeFilter(masking)
    shown = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "bot***/getMe" in shown
    for secret in (TOKEN, "oa-key-123456", "db-password-1"):
        assert secret not in shown


async def test_database_errors_do_not_carry_what_people_wrote(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        async with engine.connect() as connection:
            with pytest.raises((DBAPIError, StatementError)) as raised:
                await connection.execute(text("INSERT INTO missing_table VALUES (:phone)"),
                                         {"phone": "0987654321"})
    finally:
        await engine.dispose()
    assert "0987654321" not in str(raised.value)
