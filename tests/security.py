"""Reading a response's Content-Security-Policy, and finding what in an HTML page that policy
would block: the checks shared by tests/core/test_security_headers.py and the walk over every
route in tests/end_to_end/test_every_page_policy.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.http import HttpResponse

# Script types a browser never runs: data blocks such as the API docs' settings.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json", "importmap"}
UNSAFE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    """The enforced policy as {directive: sources}; fails when there is none."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header!r}"
        directives[name] = sources
    return directives


def csp_nonce(directives: dict[str, list[str]], directive: str) -> str | None:
    """The nonce a directive allows, if any."""
    nonces = [re.fullmatch(r"'nonce-(.+)'", source) for source in directives.get(directive, [])]
    return next((match.group(1) for match in nonces if match), None)


def policy_problems(directives: dict[str, list[str]], *, frameable: bool = False) -> list[str]:
    """What makes a policy weaker than the site's rule: unsafe or wildcard sources where
    code or styles load, and framing by others (only the widget may be framed)."""
    problems = []
    for directive in ("default-src", "object-src", "base-uri", "form-action", "frame-ancestors"):
        if directive not in directives:
            problems.append(f"{directive} missing")
    for directive, sources in directives.items():
        allowed_unsafe = {"data:"} if directive == "img-src" else set()
        if directive == "frame-ancestors" and frameable:
            allowed_unsafe = {"*"}
        for source in sources:
            if source in UNSAFE_SOURCES - allowed_unsafe:
                problems.append(f"{directive} {source}")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if not frameable and directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    return problems


class _InlineCode(HTMLParser):
    def __init__(self, *, script_nonce: str | None, style_nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.script_nonce, self.style_nonce = script_nonce, style_nonce
        self.problems: list[str] = []
        self._script_open: dict[str, str | None] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value!r}")
            elif name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL in <{tag} {name}>")
        if tag == "style" and (self.style_nonce is None or attributes.get("nonce") != self.style_nonce):
            self.problems.append("<style> without the page's nonce")
        if tag == "script":
            self._script_open, self._script_text = attributes, ""

    def handle_data(self, data: str) -> None:
        if self._script_open is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script_open is None:
            return
        attributes, self._script_open = self._script_open, None
        if attributes.get("src") or (attributes.get("type") or "").lower() in DATA_BLOCK_TYPES:
            return
        if not self._script_text.strip():
            return
        if self.script_nonce is None or attributes.get("nonce") != self.script_nonce:
            self.problems.append(f"inline <script> without the page's nonce: {self._script_text.strip()[:60]!r}")


def inline_code_problems(html: str, directives: dict[str, list[str]]) -> list[str]:
    """Inline scripts and <style> blocks the policy's nonces do not cover, and every style
    attribute, on* handler and javascript: URL (no policy of ours allows those)."""
    parser = _InlineCode(
        script_nonce=csp_nonce(directives, "script-src"), style_nonce=csp_nonce(directives, "style-src")
    )
    parser.feed(html)
    parser.close()
    return parser.problems
