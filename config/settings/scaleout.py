"""The scale-out test (tests/deploy/test_two_nodes.py): production settings on 127.0.0.1.

Same as config.settings.prod (DEBUG off, real SMTP delivery, the database task queue and
shared database cache, hashed static files collected into TOWNHALL_STATIC_ROOT for nginx,
the real signing rate limits, X-Forwarded-For believed only from TOWNHALL_TRUSTED_PROXIES)
except:

- plain HTTP behind nginx on 127.0.0.1, so no HTTPS redirect, HSTS or secure-only cookies;
- a fixed signing key when TOWNHALL_SECRET_KEY is unset (the test's data is thrown away);
- static files are hashed but not pre-compressed (compressing every file took most of the
  test's set-up time; nginx serves uncompressed files the same way).

Never use these settings for a real site.
"""

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import SHARED_DATABASE_CACHES

DEBUG = False
SECRET_KEY = env.SECRET_KEY or "townhall-scaleout-key-not-for-production-0123456789-abcdefghij"
CACHES = SHARED_DATABASE_CACHES  # the database's cache, shared by every process
STATIC_ROOT = env.STATIC_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
