"""Test settings: fast hashing, emails kept in memory, tasks run inline."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, TOWNHALL

DEBUG = False
SECRET_KEY = "townhall-test-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "email"]}}
TOWNHALL["OUTBOX_ENABLED"] = True
TOWNHALL["BASE_URL"] = "http://testserver"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Most tests sign staff in directly; tests/accounts turns two-factor back on.
TOWNHALL["STAFF_2FA_REQUIRED"] = False
# Many tests move the clock by hours or months with a member of staff signed in; the
# session limits are tested on their own (tests/accounts/test_session_limits.py).
TOWNHALL["STAFF_SESSION_IDLE_SECONDS"] = TOWNHALL["STAFF_SESSION_MAX_SECONDS"] = 10 * 365 * 86400
SESSION_COOKIE_AGE = TOWNHALL["STAFF_SESSION_MAX_SECONDS"]
# One process's cache is shared enough here (production uses the database's).
SILENCED_SYSTEM_CHECKS = ["altcha.W001"]
# Process-local caches are off here (tests change rows directly); tests/core/test_local_caches.py
# turns them on and checks what they keep and when they let go.
TOWNHALL["PUBLIC_READ_CACHE_SECONDS"] = 0.0
TOWNHALL["SCHEME_CACHE_SECONDS"] = 0.0
# A "replica" that mirrors the test database, so tests can show which reads go where. Off
# unless a test switches READ_REPLICA_ENABLED on (tests/core/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA_ENABLED = False
