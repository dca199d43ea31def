"""Hostile input for the fuzz suite: the values, how they are sent, and the tally.

Values are bytes, percent-encoded by hand, so that what no browser would send (a NUL, a
lone surrogate's UTF-8 bytes, bytes that are not UTF-8 at all) reaches the server as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin, urlsplit

from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per page and per form: bounded for CI; `make fuzz` raises it.
EXAMPLES = int(os.environ.get("TOWNHALL_FUZZ_EXAMPLES", "6"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Each kind of trouble the drill found, and its neighbours.
HOSTILE: list[bytes] = [
    b"\x00",
    b"12\x00",
    b"a\x00b@example.org",
    bytes(range(1, 32)) + b"\x7f",
    "\u0080\u0085\u009b\u009f".encode(),
    "²".encode(),
    "٣".encode(),
    "１２".encode(),
    "1²".encode(),
    b"-1",
    b"0",
    b"+3",
    b"3_000",
    b" 7 ",
    b"1e9",
    b"99999999999999999999999999999999",
    b"NaN",
    b"",
    b"\xed\xa0\x80",  # a lone surrogate, as a careless encoder writes it
    b"\xff\xfe\xc0",  # not UTF-8 at all
    b"x" * 10240,
    "²".encode() * 5000,
    b"a" * 250 + b"@example.org",
    b"<script>alert(1)</script>",
    b"=1+1",
    "\U0001f642".encode(),
    b"\r\n\t",
    b"../../etc/passwd",
    b"%00",
]

# The kinds of trouble sent in every form field (the full list goes into every query parameter).
SWEEP: list[bytes] = [b"\x00", bytes(range(1, 32)), "²".encode(), "٣".encode(), b"x" * 10240, b"\xff\xfe"]

_CHARS = st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Z", "Cc", "Cf"])
hostile_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(_CHARS, max_size=40).map(str.encode),
)


@dataclass
class Tally:
    requests: int = 0
    failures: list[str] = field(default_factory=list)


TALLY = Tally()


def encode(pairs: list[tuple[str, bytes]]) -> str:
    return "&".join(f"{quote_from_bytes(key.encode())}={quote_from_bytes(value)}" for key, value in pairs)


def record(client: Client, method: str, path: str, body: str = "") -> int:
    """Send one request through the test client, count it, and note any 5xx."""
    if method == "GET":
        response = client.get(f"{path}?{body}" if body else path)
    else:
        response = client.post(path, data=body.encode(), content_type="application/x-www-form-urlencoded")
    TALLY.requests += 1
    if response.status_code >= 500:
        exc_info = getattr(response, "exc_info", None)
        why = repr(exc_info[1])[:300] if exc_info else ""
        TALLY.failures.append(f"{response.status_code} {method} {path} {body[:300]!r} {why}")
    return response.status_code


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str, str]]  # (name, kind, value shown)


class _Forms(HTMLParser):
    """The POST forms of a page, with every named field and its value as shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), []) if a.get("method", "get").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        if self._form is None or (not a.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and any(n == a["name"] for n, _, _ in self._form.fields):
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self._form.fields.append((a["name"], kind, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields.append((a["name"], "textarea", ""))
        elif tag == "select":
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None and self._select_value is None and a.get("value"):
            self._select_value = a["value"]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None and data.strip():
            name, kind, value = self._form.fields[-1]
            self._form.fields[-1] = (name, kind, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select is not None:
            self._form.fields.append((self._select, "select", self._select_value or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def post_forms(html: str, page: str) -> list[Form]:
    """The page's POST forms whose action stays on this site (and never signs out)."""
    parser = _Forms()
    parser.feed(html)
    forms = []
    for form in parser.forms:
        target = urljoin(page, form.action or page)
        parts = urlsplit(target)
        if parts.netloc and parts.netloc != "testserver":
            continue
        if "/logout/" in parts.path:
            continue
        forms.append(Form(parts.path + (f"?{parts.query}" if parts.query else ""), form.fields))
    return forms


# What a person would type, for fields shown empty: so that a hostile value in one field
# reaches the checks behind the others.
PLAUSIBLE = {
    "name": "Ann Example",
    "email": "ann@example.org",
    "postcode": "SW1A 1AA",
    "action": "Plant more trees on the high street",
    "background": "The high street has no shade in summer.",
    "additional_details": "Twelve trees would do.",
    "text": "A plain question about the bus lanes?",
    "username": "root",
    "password": "not-the-password",
    "token": "123456",
}


def baseline(form: Form) -> list[tuple[str, bytes]]:
    return [(name, (value or PLAUSIBLE.get(name, "Some plain words")).encode()) for name, _, value in form.fields]
