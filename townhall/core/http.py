"""HTTP caching for public reads (DESIGN §5) and no-store for personal pages."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language

from townhall.core.localcache import LocalCache

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


@dataclass(frozen=True)
class _Finished:
    """A finished public response, as the view returned it (before middleware)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: datetime.datetime | None


_finished: LocalCache[_Finished] = LocalCache("public-reads", max_entries=256)
_PRIVATE_COOKIES = ("sessionid", "messages")


def _is_anonymous_plain_get(request: HttpRequest) -> bool:
    """A GET anyone could have sent: no query string, no session or flash-message cookie
    (so never a signed-in member of staff, never a page with a personal notice)."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    private = {settings.SESSION_COOKIE_NAME, *_PRIVATE_COOKIES}
    return not any(name in request.COOKIES for name in private)


def _finish(response: HttpResponse) -> _Finished | None:
    """What may be kept: a 200 marked public with an ETag, that sets no cookie."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if "public" not in response.get("Cache-Control", "") or not response.has_header("ETag"):
        return None
    if b"csrfmiddlewaretoken" in response.content:  # a form for one visitor: never shared
        return None
    modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return _Finished(
        content=response.content,
        headers=tuple(response.headers.items()),
        etag=response["ETag"],
        last_modified=datetime.datetime.fromtimestamp(modified, datetime.UTC) if modified is not None else None,
    )


def public_read_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer anonymous GETs of a public read from a finished copy kept in this process for
    TOWNHALL["PUBLIC_READ_CACHE_SECONDS"] (DESIGN §5): during a surge most readers of a
    petition page or its count.json cost no query and no rendering.

    The copy is never older than the `max-age` the response already allows any cache, it is
    only ever a response the view marked public (no cookies set), and staff, people with a
    notice to see and requests with a query string always get a fresh one. Revalidation
    (`If-None-Match`, `If-Modified-Since`) is answered 304 from the copy.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = float(settings.TOWNHALL["PUBLIC_READ_CACHE_SECONDS"])
        if seconds <= 0 or not _is_anonymous_plain_get(request):
            return view(request, *args, **kwargs)
        key = (view.__module__, view.__qualname__, request.path, get_language())
        finished = _finished.get(key)
        if finished is None:
            response = view(request, *args, **kwargs)
            finished = _finish(response)
            if finished is not None:
                _finished.set(key, finished, seconds=seconds)
            return response
        unchanged = not_modified(request, etag=finished.etag, last_modified=finished.last_modified)
        if unchanged is not None:
            for name, value in finished.headers:
                if name.lower() not in ("content-type", "content-length"):
                    unchanged[name] = value
            return unchanged
        copy = HttpResponse(finished.content)
        for name, value in finished.headers:
            copy[name] = value
        return copy

    return wrapper
