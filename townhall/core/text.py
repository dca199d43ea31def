"""Normalising what people type: postcodes, email addresses, names.

These are pure functions so that the same rule applies in forms, services, imports and
tests alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import uk_postcodes_parsing
from django.utils.translation import gettext as _

from townhall.core.errors import DomainError

# Outward code (area, district, optional sub-district) then inward code (sector, unit).
# Inward letters never include C, I, K, M, O or V.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_SPACES = re.compile(r"\s+")


def normalise_postcode(raw: str) -> str | None:
    """Return the postcode in its standard form ("SW1A 1AA"), or None if it is not one.

    Parsed by the maintained `uk-postcodes-parsing` library (without its OCR-style
    "fixes": what a person typed is never silently changed), then held to the Royal Mail
    format rules, which that parser is looser about (inward letters never include C, I,
    K, M, O or V). Case and spacing are forgiven; anything else is not guessed at.
    """
    compact = _SPACES.sub("", raw).upper()
    if compact == "GIR0AA":  # the one special postcode the format rules do not cover
        return "GIR 0AA"
    parsed = uk_postcodes_parsing.parse(compact, attempt_fix=False)
    if parsed is None:
        return None
    match = _POSTCODE.match(parsed.postcode.replace(" ", ""))
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"


def canonical_email(address: str, *, dot_insensitive_domains: Iterable[str], plus_tag_domains: Iterable[str]) -> str:
    """The form of an address used to spot the same mailbox signing twice.

    Case never matters. For domains that deliver "j.smith+petitions@" to "jsmith@"
    (gmail-style, `dot_insensitive_domains`), dots and "+tags" in the local part are
    removed as well. For domains that deliver "j.smith+petitions@" to "j.smith@" but
    "jsmith@" to someone else (`plus_tag_domains`), only the "+tag" is removed. So one
    mailbox cannot sign many times under variants of its address. A local part that
    starts with "+" on a plus-tag domain names no mailbox's tag and is kept whole.
    """
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    if not local:
        return address
    domains = {d.lower() for d in dot_insensitive_domains}
    if domain in domains:
        local = local.split("+", 1)[0].replace(".", "")
        if domain == "googlemail.com" and "gmail.com" in domains:
            domain = "gmail.com"
    elif domain in {d.lower() for d in plus_tag_domains}:
        local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"


def normalise_name(raw: str) -> str:
    """A name compared case- and spacing-insensitively ("Ann  smith" == "ann Smith")."""
    return _SPACES.sub(" ", raw).strip().casefold()


# What XML 1.0 cannot hold (C0 controls but tab, LF and CR; surrogates; U+FFFE, U+FFFF),
# and the controls it discourages (DEL and C1).
_NOT_FOR_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters an XML document cannot hold (or should not): every
    text put into a feed goes through this, whatever was stored."""
    return _NOT_FOR_XML.sub("", text)


def tidy(raw: str) -> str:
    """Trim surrounding whitespace and collapse runs of spaces within lines. A NUL byte is
    refused (PostgreSQL cannot store it; no person types it): nothing typed is changed."""
    if "\x00" in raw:
        raise DomainError(
            _("This contains a NUL character (a zero byte), which cannot be stored. Remove it and try again."),
            code="nul_character",
        )
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in raw.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def text_required(raw: str, *, code: str, blank: str) -> str:
    """Tidy what a person typed into a required text field with no length limit.

    Raises a DomainError coded `<code>_blank`, with the field's own message `blank`, when
    nothing is left (and `tidy`'s refusal of a NUL byte).
    """
    text = tidy(raw)
    if not text:
        raise DomainError(blank, code=f"{code}_blank")
    return text


def text_within(
    raw: str, *, limit: int, code: str, too_long: str, blank: str | None = None, one_line: bool = False
) -> str:
    """Tidy what a person typed into a text field and hold it to `limit` characters.

    The one rule for every free-text field a service takes. Raises a DomainError coded
    `<code>_blank` (only when `blank`, the message for an empty field, is given: the
    field is then required), `<code>_nul` (a NUL byte) or `<code>_too_long`. `too_long` is the field's own message;
    it may use %(max)s (the limit as digits), %(max_grouped)s (with thousands
    separators), %(length)s and %(over)s (how many characters too many). `one_line`
    folds line breaks into spaces, for names and titles.
    """
    if "\x00" in raw:  # PostgreSQL cannot store it, and no person types it
        raise DomainError(
            _("This contains a NUL character (a zero byte), which cannot be stored. Remove it and try again."),
            code=f"{code}_nul",
        )
    text = tidy(raw)
    if one_line:
        text = text.replace("\n", " ")
    if not text and blank is not None:
        raise DomainError(blank, code=f"{code}_blank")
    if len(text) > limit:
        raise DomainError(
            too_long
            % {"max": limit, "max_grouped": f"{limit:,}", "length": f"{len(text):,}", "over": len(text) - limit},
            code=f"{code}_too_long",
        )
    return text
