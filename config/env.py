"""Every environment variable Townhall reads, read here and nowhere else.

Each variable is listed, with its default, in `.env.example`. Settings modules import
the typed values from this module; application code reads Django settings, never the
environment.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _str(name, default).split(",") if item.strip()]


SECRET_KEY = _str("TOWNHALL_SECRET_KEY", "")
DEBUG = _bool("TOWNHALL_DEBUG", False)
ALLOWED_HOSTS = _list("TOWNHALL_ALLOWED_HOSTS", "127.0.0.1,localhost")
DATABASE_URL = _str("TOWNHALL_DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'townhall.sqlite3'}")
# Optional read replica of the PostgreSQL primary: anonymous public reads go there (see
# townhall/core/replica.py). Empty: everything uses TOWNHALL_DATABASE_URL.
REPLICA_DATABASE_URL = _str("TOWNHALL_REPLICA_DATABASE_URL", "")
# The database URLs point at PgBouncer in transaction pooling mode: no server-side cursors
# and no prepared statements, which a pooled server connection cannot keep between transactions.
DATABASE_PGBOUNCER = _bool("TOWNHALL_DATABASE_PGBOUNCER", False)
# PostgreSQL: commit each new signature without waiting for its WAL flush (synchronous_commit
# off for that one transaction). Faster under a surge; a database crash may lose the last
# fraction of a second of new, unconfirmed signatures. See docs/performance.md.
SIGNATURE_ASYNC_COMMIT = _bool("TOWNHALL_SIGNATURE_ASYNC_COMMIT", False)
# Where `collectstatic` puts static files for the front proxy (nginx) to serve.
STATIC_ROOT = BASE_DIR / _str("TOWNHALL_STATIC_ROOT", "staticfiles")
BASE_URL = _str("TOWNHALL_BASE_URL", "http://127.0.0.1:8000")
PORT = _int("TOWNHALL_PORT", 8000)

EMAIL_HOST = _str("TOWNHALL_EMAIL_HOST", "")
EMAIL_PORT = _int("TOWNHALL_EMAIL_PORT", 25)
EMAIL_HOST_USER = _str("TOWNHALL_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _str("TOWNHALL_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("TOWNHALL_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = _str("TOWNHALL_DEFAULT_FROM_EMAIL", "petitions@townhall.invalid")
# Seconds to wait for the mail server before a letter is deferred.
EMAIL_TIMEOUT = _float("TOWNHALL_EMAIL_TIMEOUT", 20.0)
# A deferred letter waits this long before its second try, doubling each time up to the
# maximum; after EMAIL_MAX_ATTEMPTS tries it is given up (failed) and shown to staff.
EMAIL_RETRY_BASE_SECONDS = _float("TOWNHALL_EMAIL_RETRY_BASE_SECONDS", 30.0)
EMAIL_RETRY_MAX_SECONDS = _float("TOWNHALL_EMAIL_RETRY_MAX_SECONDS", 3600.0)
EMAIL_MAX_ATTEMPTS = _int("TOWNHALL_EMAIL_MAX_ATTEMPTS", 10)

COUNTER_INTERVAL_SECONDS = _float("TOWNHALL_COUNTER_INTERVAL", 2.0)
EMAIL_INTERVAL_SECONDS = _float("TOWNHALL_EMAIL_INTERVAL", 1.0)
CLOSER_INTERVAL_SECONDS = _float("TOWNHALL_CLOSER_INTERVAL", 60.0)
# A task still running this long is taken to be orphaned by a dead worker and made ready
# again, checked this often (townhall/core/taskreclaim.py). Lowered only by the fault drill.
TASK_RUNNING_TIMEOUT_SECONDS = _float("TOWNHALL_TASK_RUNNING_TIMEOUT", 900.0)
TASK_RECLAIM_INTERVAL_SECONDS = _float("TOWNHALL_TASK_RECLAIM_INTERVAL", 60.0)

# Fraud controls: disposable email domains are allowed, flagged, held or blocked; privacy
# relays (Hide My Email, Firefox Relay…) are allowed, flagged or held, never blocked: each
# relay address is a real person's mailbox. Reverse proxies (CIDR list) whose
# X-Forwarded-For header is trusted for the client IP.
DISPOSABLE_EMAIL_POLICY = _str("TOWNHALL_DISPOSABLE_EMAIL_POLICY", "flag")
RELAY_EMAIL_POLICY = _str("TOWNHALL_RELAY_EMAIL_POLICY", "flag")
TRUSTED_PROXIES = _list("TOWNHALL_TRUSTED_PROXIES", "")
if DISPOSABLE_EMAIL_POLICY not in {"allow", "flag", "hold", "block"}:
    raise ValueError(
        f"TOWNHALL_DISPOSABLE_EMAIL_POLICY must be allow, flag, hold or block, got {DISPOSABLE_EMAIL_POLICY!r}"
    )
if RELAY_EMAIL_POLICY not in {"allow", "flag", "hold"}:
    raise ValueError(
        "TOWNHALL_RELAY_EMAIL_POLICY must be allow, flag or hold (a relay address is a real person's mailbox, "
        f"so it is never blocked), got {RELAY_EMAIL_POLICY!r}"
    )

# Months after a petition closes or is rejected before its personal data is anonymised.
ANONYMISE_AFTER_MONTHS = _int("TOWNHALL_ANONYMISE_AFTER_MONTHS", 12)

# Folder holding PostgreSQL's pg_dump and pg_restore for `manage.py backup` and `restore`
# (e.g. /usr/lib/postgresql/16/bin). Empty: found on the PATH.
POSTGRES_BIN_DIR = _str("TOWNHALL_POSTGRES_BIN_DIR", "")

# Staff sessions end after this many idle minutes, and after this many hours in any case.
STAFF_SESSION_IDLE_MINUTES = _int("TOWNHALL_STAFF_SESSION_IDLE_MINUTES", 30)
STAFF_SESSION_MAX_HOURS = _int("TOWNHALL_STAFF_SESSION_MAX_HOURS", 12)

SECURE_SSL_REDIRECT = _bool("TOWNHALL_SECURE_SSL_REDIRECT", True)

# The PostgreSQL database the test suite's second pass runs against.
TEST_POSTGRES_URL = _str("TOWNHALL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/townhall")
