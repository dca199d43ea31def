"""HTTP caching for public reads and no-store for personal pages.

Public reads (petition pages, count.json, lists, the JSON APIs, the widget) are cacheable
for PUBLIC_MAX_AGE seconds by browsers and shared caches, carry an ETag (and Last-Modified
where the page knows when it last changed) and answer a matching revalidation with 304;
`conditional_public` is the one way a view does all of that. Pages with personal links or
forms are `no_store`. See docs/architecture.md (the signature hot path).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import resolve_url
from django.utils.http import http_date, parse_http_date_safe, quote_etag, url_has_allowed_host_and_scheme

PUBLIC_MAX_AGE = 5
STALE_WHILE_REVALIDATE = 30


def safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """Where to send someone after a step (sign-in, second factor, a form): `candidate`
    (a `next` from the query or the form) only if it stays on this site, else `fallback`
    (a URL or URL name). The one check for every redirect a visitor can choose."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback)


def whole_number(raw: str) -> int | None:
    """A whole number typed in the address (`?page=`, `?meeting=`): ASCII digits only, or None.

    Python's int() also takes other scripts' digits ("٣" is 3), signs, spaces and
    underscores, and str.isdigit() accepts "²", which int() then refuses: neither is a
    number in an address. The one rule for every number read from a query parameter.
    """
    if raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def page_number(request: HttpRequest) -> int:
    """The 1-based `?page=` of a paginated list; anything that is not a whole number is page 1."""
    return max(1, whole_number(request.GET.get("page", "1")) or 1)


def make_etag(*parts: object) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def cached_public(response: HttpResponse, *, etag: str, last_modified: datetime.datetime | None) -> HttpResponse:
    """Mark a public read as briefly cacheable by browsers and shared caches."""
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
    response["ETag"] = quote_etag(etag)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def client_copy_is_current(
    *, if_none_match: str | None, if_modified_since: str | None, quoted_etag: str, last_modified: int | None
) -> bool:
    """Whether a client's cached copy is current (RFC 9110 §13.1): an If-None-Match header
    decides alone (weak comparison: a proxy that compresses the page sends W/"..."), else
    If-Modified-Since against the last change in whole seconds. Shared by Django views
    (`not_modified`) and the finished-response cache in front of Django (core.wsgi)."""
    if if_none_match is not None:
        client_tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return quoted_etag in client_tags or if_none_match.strip() == "*"
    since = parse_http_date_safe(if_modified_since or "")
    return since is not None and last_modified is not None and last_modified <= since


def not_modified(request: HttpRequest, *, etag: str, last_modified: datetime.datetime | None) -> HttpResponse | None:
    """A 304 if the client's copy is current, else None."""
    current = client_copy_is_current(
        if_none_match=request.headers.get("If-None-Match"),
        if_modified_since=request.headers.get("If-Modified-Since"),
        quoted_etag=quote_etag(etag),
        last_modified=int(last_modified.timestamp()) if last_modified is not None else None,
    )
    if current:
        return cached_public(HttpResponseNotModified(), etag=etag, last_modified=last_modified)
    return None


def conditional_public(
    request: HttpRequest,
    *,
    etag: str,
    last_modified: datetime.datetime | None,
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    """A public read: 304 if the client's copy is current, else `render()`, marked cacheable.

    `etag` must cover everything the page shows, so a cached copy changes when any of it does.
    """
    cached = not_modified(request, etag=etag, last_modified=last_modified)
    if cached is not None:
        return cached
    return cached_public(render(), etag=etag, last_modified=last_modified)


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
    its count.json cost no middleware, no query and no rendering."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if may_share(response):
            setattr(response, SHAREABLE, True)
        return response

    return wrapper
