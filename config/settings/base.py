"""Settings shared by every environment. Environment values come from config.env."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

from config import env

BASE_DIR = env.BASE_DIR

SECRET_KEY = env.SECRET_KEY
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS

INSTALLED_APPS = [
    "townhall.accounts.apps.TownhallAdminConfig",  # Django's admin, held to the roles
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "altcha_django",
    # Serves the API docs' Swagger UI from the package's own static files (not a CDN).
    "ninja",
    "townhall.core",
    "townhall.mail",
    "townhall.audit",
    "townhall.accounts",
    "townhall.lists",
    "townhall.schemes",
    "townhall.areas",
    "townhall.officials",
    "townhall.petitions",
    "townhall.signatures",
    "townhall.integrity",
    "townhall.moderation",
    "townhall.responses",
    "townhall.engagement",
    "townhall.meetings",
    "townhall.questions",
    "townhall.accountability",
    "townhall.api",
    "townhall.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the policies too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "townhall.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "townhall.accounts.twofactor.StaffTwoFactorMiddleware",
    # After authentication: only anonymous public reads may use the read replica.
    "townhall.core.replica.ReplicaReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any staff page: ends sessions past their idle or absolute limit.
    "townhall.accounts.middleware.StaffSessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view: a NUL byte in the request is refused with a 400.
    "townhall.core.middleware.RefuseNulMiddleware",
    "townhall.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "townhall.core.context_processors.site",
            ],
        },
    },
]


def database_from_url(url: str, *, pgbouncer: bool = False) -> dict[str, Any]:
    """Django database settings for a URL, tuned per engine.

    SQLite runs in WAL mode with IMMEDIATE transactions so the web server, task worker and
    scheduler can write to one file without "database is locked" failures. Behind PgBouncer
    in transaction pooling mode, consecutive transactions may run on different server
    connections, so nothing may outlive a transaction: no server-side cursors, no prepared
    statements.
    """
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=30000;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
        # Keep connections between requests: opening one per request was 27% of a web
        # worker's time in `make bench` (docs/performance.md).
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        if pgbouncer:
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
            config["OPTIONS"]["prepare_threshold"] = None
    return config


DATABASES = {"default": database_from_url(env.DATABASE_URL, pgbouncer=env.DATABASE_PGBOUNCER)}
if env.REPLICA_DATABASE_URL:
    # A streaming replica of the primary. Under test it mirrors the primary's test database.
    DATABASES["replica"] = database_from_url(env.REPLICA_DATABASE_URL, pgbouncer=env.DATABASE_PGBOUNCER)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Anonymous public reads use the replica when there is one (townhall/core/replica.py).
DATABASE_ROUTERS = ["townhall.core.replica.ReplicaRouter"]
READ_REPLICA_ENABLED = "replica" in DATABASES
# Paths (regular expressions, matched in full) whose anonymous GETs may read from the replica:
# public pages and open data only. Sign, confirm and "check your email" pages are not here,
# so a signature is always read back from the primary that has just written it.
READ_REPLICA_PATHS = [
    r"/",
    r"/petitions/",
    r"/petitions/\d+/",
    r"/petitions/\d+/count\.json",
    r"/petitions\.json",
    r"/petitions/\d+\.json",
    r"/petitions\.csv",
    r"/petitions/\d+/signatories\.(?:csv|pdf)",
    r"/petitions/\d+/widget/",
    r"/api/v1/.*",
    r"/feeds/[a-z]+\.atom",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# Sign-in checks the password as Django does; every permission comes from the roles.
AUTHENTICATION_BACKENDS = ["townhall.accounts.sites.RolePermissionsBackend"]
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "petitions:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
LOCALE_PATHS = [BASE_DIR / "townhall" / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}

DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
MAILERS: dict[str, Any] = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.EMAIL_HOST or "localhost",
            "port": env.EMAIL_PORT,
            "username": env.EMAIL_HOST_USER or None,
            "password": env.EMAIL_HOST_PASSWORD or None,
            "use_tls": env.EMAIL_USE_TLS,
            "timeout": env.EMAIL_TIMEOUT,
        },
    }
}

SESSION_COOKIE_HTTPONLY = True
# Only staff have sessions; none outlives the absolute staff limit (see TOWNHALL above).
SESSION_COOKIE_AGE = env.STAFF_SESSION_MAX_HOURS * 3600
CSRF_COOKIE_HTTPONLY = False
# Django's page, or JSON under /api/ (townhall/core/errorpages.py).
CSRF_FAILURE_VIEW = "townhall.core.errorpages.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The Content-Security-Policy of every response (docs/architecture.md, "Security headers").
# Scripts and styles come only from our own static files: no inline code, no style
# attributes. The one view with its own policy is the embeddable widget (townhall/api/views.py).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # The nonce is in the header only on a page that used {{ csp_nonce }}: the sign form
    # with proof of work, whose widget adds its own <style> element with the nonce it
    # reads from <meta name="csp-nonce"> (and the admin, whose templates put it on every tag).
    "style-src": [CSP.SELF, CSP.NONCE],
    # data: images: the QR code on the staff two-factor page, and the icons in the API
    # docs' stylesheet (Swagger UI).
    "img-src": [CSP.SELF, "data:"],
    # The proof-of-work widget solves its puzzle in Web Workers it starts from blob: URLs.
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    # As X_FRAME_OPTIONS: no page may be framed (except the widget).
    "frame-ancestors": [CSP.NONE],
}
# Browser features no page uses, denied to every page and anything it embeds
# (townhall.core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY_DENIED = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The cache shared by every process in production (ALTCHA replay protection; rate limits
# count in their own table, townhall/core/ratelimit.py): the database's, created once with
# `manage.py createcachetable`.
# Production, the benchmark and the scale-out test all use it; the embedded default keeps
# Django's per-process default.
SHARED_DATABASE_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "townhall_cache"}
}

# --- Townhall -------------------------------------------------------------------------
TOWNHALL: dict[str, Any] = {
    # Public address used to build links in emails.
    "BASE_URL": env.BASE_URL.rstrip("/"),
    # Show the local outbox page (/outbox/) listing every email sent. Embedded default only.
    "OUTBOX_ENABLED": False,
    # Scheduler intervals (seconds).
    "COUNTER_INTERVAL_SECONDS": env.COUNTER_INTERVAL_SECONDS,
    "EMAIL_INTERVAL_SECONDS": env.EMAIL_INTERVAL_SECONDS,
    "CLOSER_INTERVAL_SECONDS": env.CLOSER_INTERVAL_SECONDS,
    # Each process keeps the scheme (read on nearly every request) this long; a change
    # reaches other processes within this time (docs/performance.md).
    "SCHEME_CACHE_SECONDS": 5.0,
    # Anonymous GETs of petition pages and count.json are answered from a finished copy
    # kept in each process this long (0 turns it off); headers already allow 5 s in caches.
    "PUBLIC_READ_CACHE_SECONDS": 1.0,
    # synchronous_commit=off for the INSERT of a new signature only (PostgreSQL; off by default).
    "SIGNATURE_ASYNC_COMMIT": env.SIGNATURE_ASYNC_COMMIT,
    # The reconciliation recount of every petition from the signature table.
    "RECONCILE_INTERVAL_SECONDS": 3600.0,
    # Detection of unusual sources of signatures (looks at the last and current hour).
    "TREND_INTERVAL_SECONDS": 600.0,
    # A confirmation link works for this many days after the signature was made.
    "CONFIRMATION_LINK_DAYS": 30,
    # The withdraw link in the confirmation email works for this many days after signing,
    # and never once the petition has closed.
    "WITHDRAW_LINK_DAYS": 30,
    # How many times one signature's confirmation email may be sent in all.
    "CONFIRMATION_EMAIL_CAP": 3,
    # Personal details are anonymised this many months after a petition closes or is rejected.
    "ANONYMISE_AFTER_MONTHS": env.ANONYMISE_AFTER_MONTHS,
    "ANONYMISE_INTERVAL_SECONDS": 3600.0,
    # Retention: the `anonymise` job above enforces every period (townhall/core/retention.py;
    # docs/operations.md, section 6, lists the rules). Sent letters lose their address and
    # body, and the embedded outbox forgets them, this many days after sending.
    "SENT_LETTER_RETENTION_DAYS": 30,
    # Finished background-task rows (their arguments can hold addresses) are deleted.
    "TASK_RESULT_RETENTION_DAYS": 7,
    # Signatures never confirmed are deleted this many days after their link expired.
    "UNCONFIRMED_RETENTION_DAYS": 30,
    # Messages through the contact relay lose sender details and text.
    "CONTACT_MESSAGE_RETENTION_DAYS": 90,
    # A petition that never reached the moderators is deleted, with its sponsors' signatures,
    # this many days after it was started (its creator never confirmed) or after its creator
    # confirmed (it never gathered its sponsors). Exempted petitions are kept.
    "UNSUBMITTED_PETITION_RETENTION_DAYS": 90,
    # A public question's asker (name, email address, postcode) is removed this many days
    # after the question is finished: its meeting started or was cancelled, or it was
    # rejected (townhall/questions/services.py, question_forget_askers).
    "QUESTION_ASKER_RETENTION_DAYS": 90,
    # Where `manage.py backup` and `restore` find pg_dump and pg_restore; empty: the PATH.
    "POSTGRES_BIN_DIR": env.POSTGRES_BIN_DIR,
    # Rows per batch for the counter and the confirmation-email sender.
    "COUNTER_BATCH_SIZE": 5000,
    "EMAIL_BATCH_SIZE": 200,
    # The outbox (townhall/mail): a letter deferred by a temporary failure (4xx, timeout,
    # server away) is tried again after base × 2^(tries − 1) seconds, at most max; after
    # EMAIL_MAX_ATTEMPTS tries it is failed and shown to staff. A 5xx refusal is never retried.
    "EMAIL_RETRY_BASE_SECONDS": env.EMAIL_RETRY_BASE_SECONDS,
    "EMAIL_RETRY_MAX_SECONDS": env.EMAIL_RETRY_MAX_SECONDS,
    "EMAIL_MAX_ATTEMPTS": env.EMAIL_MAX_ATTEMPTS,
    # Email domains whose addresses ignore dots and "+tags" in the local part.
    "DOT_INSENSITIVE_EMAIL_DOMAINS": ["gmail.com", "googlemail.com"],
    # Email domains that deliver "name+anything@" to "name@" but where dots matter
    # ("j.smith@" and "jsmith@" are two people): only the "+tag" is ignored, so one mailbox
    # signs a petition once. Only providers whose rule is documented are listed: Yahoo's
    # disposable addresses use "-" and a chosen base name, which cannot be undone from the
    # address, so Yahoo is left alone. Existing rows were rewritten by data migrations that
    # carry their own copy of this list; adding a domain here changes new addresses only.
    "PLUS_TAG_EMAIL_DOMAINS": [
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
    ],
    # Fraud controls (docs/integrity.md). Signatures from one IP on one petition beyond
    # (count, seconds) are held, silently, until the evidence, an allow list or staff release
    # them; disposable email domains are "allow"ed, "flag"ged (the default), "hold"ed or "block"ed
    # (privacy relays have their own policy, below).
    "SIGN_RATE_BURST": (10, 60),
    "SIGN_RATE_SUSTAINED": (50, 3600),
    # All addresses in one /24 (/48) together, on one petition.
    "SIGN_RATE_NETWORK": (20, 60),
    # The three limits grow by their own size for every this many counted signatures.
    "SIGN_RATE_SCALE_AT": 20_000,
    # ...and again for every this many counted in the previous hour and this one so far.
    "SIGN_RATE_SCALE_RECENT": 2_000,
    # Certain: more than this many signatures from one address on one petition in a day are
    # caught (never counted), far beyond any household, office or campus address.
    "SIGN_CAP_ADDRESS": 5_000,
    # Releasing held signatures on the evidence (townhall/signatures/holds.py): a source's
    # held signatures are released once at least HOLD_MIN_EVIDENCE of them are confirmed and
    # no more than HOLD_FAST_SHARE_PERCENT of those confirmed within HOLD_FAST_CONFIRM_SECONDS
    # of signing (people read their email at their own pace; scripts at once), or with fewer
    # confirmed once the source has been quiet for HOLD_QUIET_MINUTES.
    "HOLD_FAST_CONFIRM_SECONDS": 60,
    "HOLD_FAST_SHARE_PERCENT": 50,
    "HOLD_MIN_EVIDENCE": 5,
    "HOLD_QUIET_MINUTES": 30,
    "HOLD_REVIEW_INTERVAL_SECONDS": 60.0,
    # Petition-wide alerts (townhall/integrity/anomalies.py): every ANOMALY_INTERVAL_SECONDS,
    # the last ANOMALY_WINDOW_MINUTES against the petition's usual rate.
    "ANOMALY_INTERVAL_SECONDS": 300.0,
    "ANOMALY_WINDOW_MINUTES": 15,
    "ANOMALY_MIN_SIGNATURES": 50,
    "ANOMALY_RATE_FACTOR": 5,
    "ANOMALY_BASELINE_FLOOR": 10,
    "ANOMALY_MIN_HISTORY_HOURS": 3,
    "ANOMALY_FAST_SHARE_PERCENT": 40,
    # A fast-confirmations alert selects the minutes its fast confirmations crowd into: those
    # holding at least this many and a quarter of the busiest minute's.
    "ANOMALY_CROWDED_MINUTE_MIN": 3,
    # One email provider far above its usual share: in a window of ANOMALY_MIN_SIGNATURES or
    # more, a domain behind at least ANOMALY_PROVIDER_MIN signatures, at least
    # ANOMALY_PROVIDER_SHARE_PERCENT of the window, and at least ANOMALY_RATE_FACTOR times its
    # share of the petition's signatures before (a domain new to the petition counts as
    # ANOMALY_PROVIDER_FLOOR_PERCENT). Like a surge, it needs ANOMALY_MIN_HISTORY_HOURS of
    # signing, and ANOMALY_MIN_SIGNATURES signatures, before the window.
    "ANOMALY_PROVIDER_MIN": 30,
    "ANOMALY_PROVIDER_SHARE_PERCENT": 25,
    "ANOMALY_PROVIDER_FLOOR_PERCENT": 1,
    # Addresses or names made from one template: in the last ANOMALY_WINDOW_MINUTES, at least
    # ANOMALY_TEMPLATE_MIN signatures, and at least ANOMALY_TEMPLATE_SHARE_PERCENT of the
    # window, whose addresses (or names) have one shape, each run of digits as # (voter#@x.net,
    # "test user #"). People rarely share a stem; the share keeps a common one ("john#@" at a
    # big provider) quiet in a crowd of thousands.
    "ANOMALY_TEMPLATE_MIN": 10,
    "ANOMALY_TEMPLATE_SHARE_PERCENT": 1,
    "CREATE_RATE": (3, 3600),
    "DISPOSABLE_EMAIL_POLICY": env.DISPOSABLE_EMAIL_POLICY,
    # Privacy relays: services that give a person a forwarding address per site, used by many
    # genuine, privacy-minded people. Their own policy, RELAY_EMAIL_POLICY: "allow", "flag"
    # (the default: counted, and shown to administrators on /integrity/) or "hold"; never
    # "block". Each domain covers its subdomains (addy.io gives each user x@user.anonaddy.me;
    # Firefox Relay x@user.mozmail.com). A domain also on the disposable list follows the
    # relay policy; an allow-list domain entry exempts a relay as it does a disposable domain.
    "RELAY_EMAIL_POLICY": env.RELAY_EMAIL_POLICY,
    "RELAY_EMAIL_DOMAINS": [
        "privaterelay.appleid.com",  # Apple Hide My Email
        "duck.com",  # DuckDuckGo Email Protection
        "mozmail.com",  # Firefox Relay
        "relay.firefox.com",
        "simplelogin.com",  # SimpleLogin
        "simplelogin.co",
        "slmail.me",
        "aleeas.com",
        "8alias.com",
        "8shield.net",
        "silomails.com",
        "slmails.com",
        "anonaddy.me",  # addy.io (formerly AnonAddy)
        "anonaddy.com",
        "addy.io",
        "passmail.net",  # Proton Pass
        "passmail.com",
        "passinbox.com",
    ],
    # Reverse proxies whose X-Forwarded-For is believed (CIDR ranges); others are ignored.
    "TRUSTED_PROXIES": env.TRUSTED_PROXIES,
    # Moderation: a petition waiting longer than this is flagged overdue in the queue; an
    # opened petition stays locked to its moderator for this long.
    "MODERATION_OVERDUE_DAYS": 14,
    "MODERATION_LOCK_MINUTES": 15,
    # Staff sign-in: a second factor (authenticator app) is required; after (per account,
    # per address, within seconds) attempts, sign-in is refused for that long. Every
    # attempt counts before its password is checked; signing in clears the account's count.
    "STAFF_2FA_REQUIRED": True,
    "LOGIN_THROTTLE": (5, 20, 900),
    # A staff session ends after this long without a request, and this long after sign-in.
    "STAFF_SESSION_IDLE_SECONDS": env.STAFF_SESSION_IDLE_MINUTES * 60,
    "STAFF_SESSION_MAX_SECONDS": env.STAFF_SESSION_MAX_HOURS * 3600,
    # Popular petitions on the home page, and list page size.
    "PAGE_SIZE": 20,
    # Contact relay limits, per day from the first message counted: messages one sender's
    # email address may send about one petition, and messages from one IP address (kept
    # only as a keyed hash).
    "CONTACT_MESSAGES_PER_SENDER_PER_DAY": 3,
    "CONTACT_MESSAGES_PER_IP_PER_DAY": 20,
    # Native API v1: requests per client IP per fixed window of (count, seconds); then 429.
    "API_RATE_LIMIT": (120, 60),
    # Rate counters (townhall/core/ratelimit.py) whose window has ended are deleted this often.
    "RATE_COUNTER_PURGE_INTERVAL_SECONDS": 3600.0,
    # A task still "running" this long after it started is taken to be orphaned by a worker
    # that died mid-task and is made ready again (townhall/core/taskreclaim.py). Longer than
    # any task runs: a drain task sends one batch and stops.
    "TASK_RUNNING_TIMEOUT_SECONDS": env.TASK_RUNNING_TIMEOUT_SECONDS,
    "TASK_RECLAIM_INTERVAL_SECONDS": env.TASK_RECLAIM_INTERVAL_SECONDS,
}
TOWNHALL_PORT = env.PORT
OTP_TOTP_ISSUER = "Townhall"

# Proof of work (ALTCHA), switched on by staff under attack (scheme-wide or per petition).
# The widget script comes from the altcha-django package's static files.
ALTCHA_HMAC_SECRET = hashlib.sha256(b"townhall-altcha:" + (env.SECRET_KEY or "embedded").encode()).hexdigest()
ALTCHA_TRUSTED_PROXIES = env.TRUSTED_PROXIES
ALTCHA_WIDGET_JS_SOURCE = "vendored"
