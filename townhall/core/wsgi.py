"""The finished-response cache in front of Django (docs/performance.md, decision 0006).

During a surge tens of thousands of people reload the same petition page and count.json.
Each web process keeps the finished bytes of those responses — after every middleware, so
exactly what Django would send — for TOWNHALL["PUBLIC_READ_CACHE_SECONDS"] (1 s by default,
inside the 5 s `max-age` the responses already give any browser, proxy or CDN), and answers
other anonymous readers from the copy without entering Django at all. Revalidations with a
matching `If-None-Match` or `If-Modified-Since` get a 304 from the copy.

Only responses a view marked shareable (`townhall.core.http.shareable`: 200, public, with an
ETag, no cookie set, no form token) are kept, and only requests anyone could have sent are
answered from a copy: GET or HEAD, no query string, no session or flash-message cookie (so
never staff, never someone with a notice to see). A multi-node deployment may also cache in
nginx or a CDN in front; this layer needs nothing shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.utils.http import parse_http_date_safe

from townhall.core.http import SHAREABLE, client_copy_is_current
from townhall.core.localcache import LocalCache

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_PRIVATE_COOKIES = ("messages",)
_NOT_FOR_304 = {"content-type", "content-length"}


@dataclass(frozen=True)
class Finished:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str
    last_modified: int | None


def _plain_anonymous_get(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
        return False
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return True
    try:
        names = SimpleCookie(raw).keys()
    except Exception:
        return False
    return not any(name in names for name in (settings.SESSION_COOKIE_NAME, *_PRIVATE_COOKIES))


def _unchanged(environ: dict[str, Any], finished: Finished) -> bool:
    """The client's copy is current (the same rule as Django views use)."""
    return client_copy_is_current(
        if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        quoted_etag=finished.etag,
        last_modified=finished.last_modified,
    )


class FinishedResponses:
    """WSGI middleware: keep shareable responses per process, answer plain anonymous GETs."""

    def __init__(self, app: WSGIApp, *, max_entries: int = 256) -> None:
        self.app = app
        self.kept: LocalCache[Finished] = LocalCache("finished-responses", max_entries=max_entries)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        seconds = float(settings.TOWNHALL["PUBLIC_READ_CACHE_SECONDS"])
        if seconds <= 0 or not _plain_anonymous_get(environ):
            return self.app(environ, start_response)
        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_X_FORWARDED_PROTO"),
            environ.get("HTTP_HOST"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE") if len(settings.LANGUAGES) > 1 else None,
        )
        finished = self.kept.get(key)
        if finished is not None:
            return self._answer(environ, start_response, finished)
        sent: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        if not getattr(result, SHAREABLE, False) or environ["REQUEST_METHOD"] != "GET":
            return result
        headers = sent.get("headers", [])
        if not sent.get("status", "").startswith("200") or any(n.lower() == "set-cookie" for n, _ in headers):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        etag = next((v for n, v in headers if n.lower() == "etag"), "")
        modified = next((v for n, v in headers if n.lower() == "last-modified"), "")
        self.kept.set(
            key,
            Finished(sent["status"], tuple(headers), body, etag, parse_http_date_safe(modified)),
            seconds=seconds,
        )
        return [body]

    @staticmethod
    def _answer(environ: dict[str, Any], start_response: StartResponse, finished: Finished) -> Iterable[bytes]:
        if _unchanged(environ, finished):
            start_response("304 Not Modified", [(n, v) for n, v in finished.headers if n.lower() not in _NOT_FOR_304])
            return [b""]
        start_response(finished.status, list(finished.headers))
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [finished.body]
