"""Absolute links for emails, built from the configured public address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *, kwargs: dict[str, Any] | None = None) -> str:
    return str(settings.TOWNHALL["BASE_URL"]) + reverse(viewname, kwargs=kwargs)
