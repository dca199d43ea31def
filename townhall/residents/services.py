"""The checks every resident entry point runs on the person acting: one function, one set
of rules and one wording, for starting a petition, signing, sponsoring, asking a question
and writing through the contact relay (and any form added later).

Residents never have accounts; what they type is all there is to know about them, so the
same person is held to the same rules whichever form they use:

- a name: tidied onto one line, not blank, at most NAME_MAX characters, and only a name. A
  name is shown to others and copied into the emails we send ("Dear <name>,"), so one that
  is an email address, a web address or a domain ("spam.example.com", "bit.ly/x") would let
  anyone make the council send their link or address to anyone; one that begins like a
  spreadsheet formula (=, +, - or @) would run in an exported spreadsheet;
- an email address in the standard form (Django's validator), at most EMAIL_MAX characters
  (the longest address mail can carry, and the length of every column that holds one),
  with its canonical form for spotting one mailbox used twice (case; dots and +tags on
  gmail-style domains, `DOT_INSENSITIVE_EMAIL_DOMAINS`; only +tags on the providers that
  deliver "name+tag@" to "name@" but keep dots, `PLUS_TAG_EMAIL_DOMAINS`);
- neither may contain hidden characters: control characters (NUL and the rest of C0, DEL,
  C1) or the marks that reorder text on screen. They are refused, never silently removed.
  Tabs and line breaks in a name are tidied into spaces like any text;
- a UK postcode where the form asks for one, in its standard form ("SW1A 1AA").

Refusals are DomainErrors whose codes name the field (`name_blank`, `email_invalid`,
`postcode_invalid`…), optionally prefixed for forms whose fields are named differently
(`creator_name_blank`), so each form shows the message on the right field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from townhall.core.errors import DomainError
from townhall.core.text import canonical_email, normalise_postcode, text_within

NAME_MAX = 100
EMAIL_MAX = 254

# Every refusal code resident_clean raises, by the field it is about (before any prefix),
# so each form can show each message on its own field (townhall/residents/forms.py).
NAME_CODES = (
    "name_blank",
    "name_too_long",
    "name_hidden_characters",
    "name_is_formula",
    "name_is_email",
    "name_is_web_address",
)
EMAIL_CODES = ("email_hidden_characters", "email_too_long", "email_invalid")
POSTCODE_CODES = ("postcode_invalid",)  # never prefixed

# Control characters (C0 with NUL, DEL, C1) and the bidirectional embeddings, overrides and
# isolates that make text show in another order than it is stored.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What a spreadsheet takes for the start of a formula. Tab and CR, which some also do, are
# tidied off the start of a name before this is checked.
_FORMULA_START = ("=", "+", "-", "@")
# A scheme ("https://", "ftp://") or "www." anywhere.
_URL = re.compile(r"[^\W\d_][\w+.-]*://|(?:^|\W)www\.", re.IGNORECASE)
# One word that is a host name: labels of letters, digits and hyphens, joined by dots, ending
# in a top-level domain of two or more letters, perhaps with a port and a path. Without a path
# the label before the last must have two characters or more, so initials ("A.N.Other") are
# a name, not a host; with a path ("t.co/x") any host counts. A dotted IPv4 address counts too.
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_HOST_WITH_PATH = re.compile(rf"(?:{_LABEL}\.)+[^\W\d_]{{2,}}\.?(?::\d+)?[/?#]")
_BARE_HOST = re.compile(rf"(?:{_LABEL}\.)*[^\W_](?:[\w-]*[^\W_])\.[^\W\d_]{{2,}}(?::\d+)?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:[:/?#]|$)")
# Punctuation that may sit around a word in a sentence: "(see example.com)," is example.com.
_AROUND_A_WORD = "()[]{}<>\"'“”‘’,;:!?."


@dataclass(frozen=True)
class Resident:
    """A person's details as checked: safe to store and to show where the scheme allows."""

    name: str
    email: str
    email_canonical: str
    postcode: str  # "" where the form does not ask for one


def email_canonical(email: str) -> str:
    """The form of an address used to spot the same mailbox twice: the one place residents'
    addresses are made canonical. Settings name the gmail-style domains that ignore dots and
    +tags, and the domains that ignore only +tags (Outlook, iCloud, Proton, Fastmail…)."""
    return canonical_email(
        email,
        dot_insensitive_domains=settings.TOWNHALL["DOT_INSENSITIVE_EMAIL_DOMAINS"],
        plus_tag_domains=settings.TOWNHALL["PLUS_TAG_EMAIL_DOMAINS"],
    )


def looks_like_web_address(text: str) -> bool:
    """Whether text is, or holds, something a mail program or a browser would take for a
    link: a URL, "www.", a host name such as "spam.example.com", "bit.ly/x" or an IP address."""
    if _URL.search(text):
        return True
    for word in text.split():
        word = word.strip(_AROUND_A_WORD)
        if _HOST_WITH_PATH.match(word) or _BARE_HOST.fullmatch(word) or _IPV4.match(word):
            return True
    return False


def _name_clean(raw: str, *, code_prefix: str) -> str:
    hidden = DomainError(
        _("Your name contains hidden characters. Type it in again."), code=f"{code_prefix}name_hidden_characters"
    )
    if "\x00" in raw:  # before text_within, which would refuse it without saying which field
        raise hidden
    name = text_within(
        raw,
        limit=NAME_MAX,
        code=f"{code_prefix}name",
        blank=_("Enter your name."),
        too_long=_("Your name must be %(max)s characters or fewer."),
        one_line=True,
    )
    if _HIDDEN.search(name):
        raise hidden
    if name.startswith(_FORMULA_START):
        raise DomainError(
            _("Your name cannot begin with =, +, - or @. Enter your name only."), code=f"{code_prefix}name_is_formula"
        )
    if "@" in name:
        raise DomainError(_("Enter your name, not an email address."), code=f"{code_prefix}name_is_email")
    if looks_like_web_address(name):
        raise DomainError(_("Enter your name only, not a web address."), code=f"{code_prefix}name_is_web_address")
    return name


def _email_clean(raw: str, *, code_prefix: str) -> str:
    email = raw.strip()
    if _HIDDEN.search(email):
        raise DomainError(
            _("Your email address contains hidden characters. Type it in again."),
            code=f"{code_prefix}email_hidden_characters",
        )
    if len(email) > EMAIL_MAX:
        raise DomainError(
            _("Your email address must be %(max)s characters or fewer.") % {"max": EMAIL_MAX},
            code=f"{code_prefix}email_too_long",
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(
            _("Enter your email address in the right format, like name@example.com."),
            code=f"{code_prefix}email_invalid",
        ) from exc
    return email


def resident_clean(*, name: str, email: str, postcode: str | None = None, code_prefix: str = "") -> Resident:
    """Tidy and check a person's name, email address and (when given) postcode.

    Raises a DomainError naming the first field at fault; nothing is stored here.
    `postcode=None` means the form does not ask for one.
    """
    name = _name_clean(name, code_prefix=code_prefix)
    email = _email_clean(email, code_prefix=code_prefix)
    normalised = ""
    if postcode is not None:
        found = normalise_postcode(postcode)
        if found is None:
            raise DomainError(_("Enter a real postcode, like SW1A 1AA."), code="postcode_invalid")
        normalised = found
    return Resident(name=name, email=email, email_canonical=email_canonical(email), postcode=normalised)
