"""HTTP caching for public reads (DESIGN §5) and no-store for personal pages."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe, quote_etag

PUBLIC_MAX_AGE = 5
STALE_WHILE_REVALIDATE = 30


def make_etag(*parts: object) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def cached_public(response: HttpResponse, *, etag: str, last_modified: datetime.datetime | None) -> HttpResponse:
    """Mark a public read as briefly cacheable by browsers and shared caches."""
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
    response["ETag"] = quote_etag(etag)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def not_modified(request: HttpRequest, *, etag: str, last_modified: datetime.datetime | None) -> HttpResponse | None:
    """A 304 if the client's copy is current, else None."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        # Weak comparison (RFC 9110 §13.1.2): a proxy that compresses the page sends W/"...".
        client_tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        if quote_etag(etag) in client_tags or if_none_match.strip() == "*":
            return cached_public(HttpResponseNotModified(), etag=etag, last_modified=last_modified)
        return None
    since = request.headers.get("If-Modified-Since")
    if since and last_modified is not None:
        since_ts = parse_http_date_safe(since)
        if since_ts is not None and int(last_modified.timestamp()) <= since_ts:
            return cached_public(HttpResponseNotModified(), etag=etag, last_modified=last_modified)
    return None


def no_store(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages with personal links or forms: never cached anywhere."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


# Set on a response that any anonymous reader may be given a copy of (townhall.core.wsgi).
SHAREABLE = "townhall_shareable"


def may_share(response: HttpResponse) -> bool:
    """A 200 marked public with an ETag, setting no cookie and carrying no form token."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "public" not in response.get("Cache-Control", "") or not response.has_header("ETag"):
        return False
    return b"csrfmiddlewaretoken" not in response.content  # a form for one visitor


def shareable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a public read's responses as shareable: the finished-response cache in front of
    Django (townhall.core.wsgi) keeps them for PUBLIC_READ_CACHE_SECONDS and answers other
    anonymous readers from the copy, so during a surge most readers of a petition page or
    its count.json cost no middleware, no query and no rendering (DESIGN §5)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if may_share(response):
            setattr(response, SHAREABLE, True)
        return response

    return wrapper
