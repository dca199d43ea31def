"""Shapes of email addresses and names, and the patterns that select them.

One rule for the templated-signing alert (townhall/integrity/anomalies.py), which groups a
window's signatures by shape, and for the invalidation tools' `email_pattern` and
`name_pattern` criteria (townhall/integrity/services.py), which select by pattern in the
database: so an alert's selection is exactly the group it counted.

A **pattern** is matched against the whole value. `#` stands for one or more digits (0 to
9), `*` for anything (nothing included); every other character stands for itself.

- An email pattern is matched against the canonical address (lower case, as signatures
  store it): `voter#@example.net` selects voter1@example.net and voter2024@example.net.
- A name pattern ignores case and spacing: `test user #` selects "Test User 12" and
  "TEST  user 7". Case is folded letter by letter (each letter to its lower-case form where
  that is one letter and maps back to it), not with `str.casefold`, which turns one letter
  into two ("ß" into "ss"): the database cannot do that, and a pattern must select the same
  names on SQLite and PostgreSQL. Spacing is any run of what Python counts as whitespace.

A **shape** is the pattern that names a value and others made from the same template: the
digit runs of an address's local part (the domain is kept as it is), or of a name, each
replaced by `#`. A value with no digits there has no shape (it would only name itself, and
uniqueness already stops one address signing twice), nor has one holding `#` or `*` (a
pattern cannot spell them), nor a name holding `@` (the forms refuse those).

Regular expressions are built here from escaped literals, `[0-9]+`, `.*` and explicit
character classes only, which Python's `re` (SQLite's REGEXP in Django) and PostgreSQL's
`~` read alike.
"""

from __future__ import annotations

import functools
import re
import sys

DIGIT_RUN = re.compile("[0-9]+")
WILDCARD = re.compile("([#*])")
EMAIL_PATTERN_MAX = 254  # the longest address
NAME_PATTERN_MAX = 100  # the longest name


def email_shape(address: str) -> str | None:
    """`voter17@example.net` → `voter#@example.net`; None when the address has no shape."""
    local, at, domain = address.rpartition("@")
    if not at or "#" in address or "*" in address or not DIGIT_RUN.search(local):
        return None
    return DIGIT_RUN.sub("#", local) + "@" + domain


def fold_letter(char: str) -> str:
    """A character as a name pattern compares it: its lower-case form when that is one
    character whose upper-case or title-case form is this one again, otherwise itself (the
    Kelvin sign stays the Kelvin sign; "İ", whose lower case is two characters, stays)."""
    lower = char.lower()
    if len(lower) == 1 and char in (lower, lower.upper(), lower.title()):
        return lower
    return char


def name_key(name: str) -> str:
    """A name with case folded letter by letter and every run of whitespace one space."""
    return " ".join("".join(fold_letter(char) for char in word) for word in name.split())


def name_shape(name: str) -> str | None:
    """`Test User 12` → `test user #`; None when the name has no shape."""
    if not DIGIT_RUN.search(name) or any(char in name for char in "#*@"):
        return None
    return DIGIT_RUN.sub("#", name_key(name))


class PatternError(ValueError):
    """A pattern that cannot be matched; `reason` is one of the names below."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


TOO_LONG, HIDDEN, REPEATED, EMPTY = "too_long", "hidden", "repeated", "empty"


def email_pattern_clean(pattern: str) -> str:
    """The pattern as it is matched (lower case), or PatternError: longer than an address,
    with spaces or hidden characters (an address has none), or with `##` (one `#` already
    stands for a whole run of digits)."""
    pattern = pattern.strip().lower()
    if len(pattern) > EMAIL_PATTERN_MAX:
        raise PatternError(TOO_LONG)
    if any(char.isspace() or not char.isprintable() for char in pattern):
        raise PatternError(HIDDEN)
    if "##" in pattern:
        raise PatternError(REPEATED)
    return pattern


def name_pattern_clean(pattern: str) -> str:
    """The pattern as it is matched (case and spacing folded: `name_key`), or PatternError:
    empty, longer than a name, with hidden characters, or with `##`."""
    if any(not (char.isprintable() or char.isspace()) for char in pattern):
        raise PatternError(HIDDEN)
    key = name_key(pattern)
    if not key:
        raise PatternError(EMPTY)
    if len(key) > NAME_PATTERN_MAX:
        raise PatternError(TOO_LONG)
    if "##" in key:
        raise PatternError(REPEATED)
    return key


def email_pattern_regex(pattern: str) -> str:
    """The regular expression selecting the canonical addresses a clean pattern names."""
    return "^" + "".join(_WILD.get(part) or re.escape(part) for part in WILDCARD.split(pattern)) + "$"


def name_pattern_regex(pattern: str) -> str:
    """The regular expression selecting the stored names a clean pattern names: each letter
    as the class of the letters that fold to it, each space as a run of whitespace, and
    whitespace allowed around the name."""
    space = _whitespace_class()
    middle = "".join(
        _WILD.get(part) or "".join(_name_literal(char) for char in part) for part in WILDCARD.split(pattern)
    )
    return f"^{space}*{middle}{space}*$"


_WILD = {"#": "[0-9]+", "*": ".*"}


def letter_variants(char: str) -> set[str]:
    """Every character that folds to `char` (`fold_letter`): `char` itself when it is
    folded, and its upper- and title-case forms."""
    return {v for v in (char, char.upper(), char.title()) if len(v) == 1 and fold_letter(v) == char}


def _name_literal(char: str) -> str:
    if char == " ":
        return _whitespace_class() + "+"
    variants = sorted(letter_variants(char))
    if len(variants) <= 1:
        return re.escape(char)
    return "[" + "".join(variants) + "]"  # cased letters only: nothing to escape in a class


@functools.cache
def _whitespace_class() -> str:
    """Every character `str.split` separates words at, as a class of the characters
    themselves (none needs escaping in a class; none is NUL)."""
    return "[" + "".join(chr(n) for n in range(sys.maxunicode + 1) if chr(n).isspace()) + "]"
