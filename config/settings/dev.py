"""The embedded default: SQLite, the local outbox for email, debug pages on."""

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import TOWNHALL

DEBUG = env.DEBUG or True
SECRET_KEY = env.SECRET_KEY or "townhall-embedded-development-key-not-for-production"
MAILERS = {"default": {"BACKEND": "townhall.mail.backends.OutboxBackend"}}
TOWNHALL["OUTBOX_ENABLED"] = True
# The embedded demo lets you try the staff pages with the demo accounts straight away;
# production always asks staff for a second factor (config/settings/base.py).
TOWNHALL["STAFF_2FA_REQUIRED"] = False

# The task worker logs every task; keep the console readable.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.server": {"level": "INFO"}},
}
# One process's cache is shared enough here (production uses the database's).
SILENCED_SYSTEM_CHECKS = ["altcha.W001"]
