"""Production: PostgreSQL, real email, HTTPS. Refuses to start misconfigured."""

from django.core.exceptions import ImproperlyConfigured

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, SHARED_DATABASE_CACHES

DEBUG = False

_problems = []
if len(env.SECRET_KEY) < 50:
    _problems.append("TOWNHALL_SECRET_KEY must be set to a random string of at least 50 characters")
if env.DEBUG:
    _problems.append("TOWNHALL_DEBUG must not be true in production")
if not env.EMAIL_HOST:
    _problems.append("TOWNHALL_EMAIL_HOST must name the outgoing mail server")
if not env.BASE_URL.startswith("https://"):
    _problems.append("TOWNHALL_BASE_URL must be the public https:// address of the site")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    _problems.append("TOWNHALL_DATABASE_URL must point at PostgreSQL in production")
if "replica" in DATABASES and DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
    _problems.append("TOWNHALL_REPLICA_DATABASE_URL must point at a PostgreSQL replica (or be empty)")
if _problems:
    raise ImproperlyConfigured("Townhall cannot start: " + "; ".join(_problems) + ".")

SECRET_KEY = env.SECRET_KEY
CACHES = SHARED_DATABASE_CACHES  # the database's cache, shared by every process
STATIC_ROOT = env.STATIC_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_SSL_REDIRECT = env.SECURE_SSL_REDIRECT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
