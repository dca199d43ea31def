"""Keeping emailed-link tokens out of the logs.

A link's token is the whole proof that its holder may act (confirm, withdraw, unsubscribe,
answer), so a log line that names one is a key left lying about. Django logs the path of
every refused request (404, 410, 500) and the development server logs every request;
`RedactLinkTokens` is set on those loggers (config/settings LOGGING) and replaces each
path segment shaped like a token with "[token]" before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

# Tokens are 32 URL-safe base64 characters (core.tokens); a path segment of exactly that shape.
_TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{32}(?=[/?#\s\"']|$)")


def redact_tokens(text: str) -> str:
    return _TOKEN_SEGMENT.sub("[token]", text)


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
