"""config.settings.bench is production minus HTTPS: it must cache as production does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Production refuses to start without these; values for this check only (nothing is contacted).
PROD_ENV = {
    "TOWNHALL_SECRET_KEY": "x" * 64,
    "TOWNHALL_DEBUG": "false",
    "TOWNHALL_EMAIL_HOST": "127.0.0.1",
    "TOWNHALL_BASE_URL": "https://petitions.example.org",
    "TOWNHALL_DATABASE_URL": "postgres://townhall@127.0.0.1:5432/townhall",
    "TOWNHALL_REPLICA_DATABASE_URL": "",
}


def caches_of(module: str) -> object:
    """CACHES as a settings module defines it, imported in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")} | PROD_ENV
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(  # noqa: S603 (our own interpreter and a fixed import)
        [sys.executable, "-c", f"import json, {module} as s; print(json.dumps(s.CACHES))"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out)


def test_bench_uses_production_s_shared_database_cache() -> None:
    prod = caches_of("config.settings.prod")
    assert prod == caches_of("config.settings.bench")
    assert prod == {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "townhall_cache"}}
