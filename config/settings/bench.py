"""`make bench`: production settings as far as a benchmark on 127.0.0.1 allows, with no secrets.

Same as config.settings.prod (DEBUG off, real SMTP delivery, the database task queue, the
same middleware, templates, caching headers and database options, and the same cache: the
database's, shared by every process, whose table the harness creates with
`createcachetable`) except:

- plain HTTP on 127.0.0.1, so no HTTPS redirect, HSTS or secure-only cookies;
- a fixed signing key when TOWNHALL_SECRET_KEY is unset (the benchmark's data is thrown away);
- plain static storage (the benchmark fetches no static files, so no collectstatic);
- the per-IP and per-/24 signing rate limits are raised out of reach. The harness already
  sends every journey from its own loopback address (127.a.b.c) in its own /24, so the
  limits would not trigger anyway and the rate-limit query still runs on every signature;
  raising them only keeps a `--single-ip` run from turning signatures fraudulent.

Never use these settings for a real site. config/settings/prod.py is unchanged by them.
"""

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import SHARED_DATABASE_CACHES, TOWNHALL

DEBUG = False
CACHES = SHARED_DATABASE_CACHES  # the database's cache, shared by every process
SECRET_KEY = env.SECRET_KEY or "townhall-bench-key-not-for-production-0123456789-abcdefghij"

_UNREACHABLE = 10**9
TOWNHALL["SIGN_RATE_BURST"] = (_UNREACHABLE, 60)
TOWNHALL["SIGN_RATE_SUSTAINED"] = (_UNREACHABLE, 3600)
TOWNHALL["SIGN_RATE_NETWORK"] = (_UNREACHABLE, 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
