"""Secrets never reach the logs: a filter on the log handlers that masks every configured secret
(bot token, webhook secret, Zalo keys and tokens) wherever it appears in a record, for example in
the request URLs python-telegram-bot logs at DEBUG (`…/bot<token>/getMe`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class SecretsFilter(logging.Filter):
    """Replaces the secrets in each record's message and traceback by ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


def mask_secrets_in_logs(secrets: Iterable[str]) -> None:
    """Install the filter on every handler of the root logger (call after configuring it)."""
    masking = SecretsFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(masking)
