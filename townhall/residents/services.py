"""The checks every resident entry point runs on the person acting: one function, one set
of rules and one wording, for starting a petition, signing, sponsoring, asking a question
and writing through the contact relay (and any form added later).

Residents never have accounts; what they type is all there is to know about them, so the
same person is held to the same rules whichever form they use:

- a name: tidied onto one line, not blank, at most NAME_MAX characters, and not an email
  address (a name is shown to others or copied into emails: an address typed there would
  defeat the relay);
- an email address in the standard form (Django's validator), with its canonical form for
  spotting one mailbox used twice (case; dots and +tags on gmail-style domains);
- a UK postcode where the form asks for one, in its standard form ("SW1A 1AA").

Refusals are DomainErrors whose codes name the field (`name_blank`, `email_invalid`,
`postcode_invalid`…), optionally prefixed for forms whose fields are named differently
(`creator_name_blank`), so each form shows the message on the right field.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from townhall.core.errors import DomainError
from townhall.core.text import canonical_email, normalise_postcode, text_within

NAME_MAX = 100


@dataclass(frozen=True)
class Resident:
    """A person's details as checked: safe to store and to show where the scheme allows."""

    name: str
    email: str
    email_canonical: str
    postcode: str  # "" where the form does not ask for one


def email_canonical(email: str) -> str:
    """The form of an address used to spot the same mailbox twice (settings name the
    gmail-style domains that ignore dots and +tags)."""
    return canonical_email(email, dot_insensitive_domains=settings.TOWNHALL["DOT_INSENSITIVE_EMAIL_DOMAINS"])


def resident_clean(*, name: str, email: str, postcode: str | None = None, code_prefix: str = "") -> Resident:
    """Tidy and check a person's name, email address and (when given) postcode.

    Raises a DomainError naming the first field at fault; nothing is stored here.
    `postcode=None` means the form does not ask for one.
    """
    name = text_within(
        name,
        limit=NAME_MAX,
        code=f"{code_prefix}name",
        blank=_("Enter your name."),
        too_long=_("Your name must be %(max)s characters or fewer."),
        one_line=True,
    )
    if "@" in name:
        raise DomainError(_("Enter your name, not an email address."), code=f"{code_prefix}name_is_email")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(
            _("Enter your email address in the right format, like name@example.com."),
            code=f"{code_prefix}email_invalid",
        ) from exc
    normalised = ""
    if postcode is not None:
        found = normalise_postcode(postcode)
        if found is None:
            raise DomainError(_("Enter a real postcode, like SW1A 1AA."), code="postcode_invalid")
        normalised = found
    return Resident(name=name, email=email, email_canonical=email_canonical(email), postcode=normalised)
