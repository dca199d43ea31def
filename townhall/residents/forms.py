"""The person fields of every resident form: a name, an email address, a postcode.

A form only requires them. Everything else about them is `resident_clean`'s to check, in
its own words, so no form refuses a person's details by a rule of its own: not Django's
email format check, and not Django's refusal of NUL characters either (resident_clean
refuses those and every other hidden character, and says so on the field).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from townhall.core.forms import text_field
from townhall.residents.services import EMAIL_CODES, NAME_CODES, POSTCODE_CODES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def person_field(
    label: StrOrPromise, *, required_message: StrOrPromise, help_text: StrOrPromise = ""
) -> forms.CharField:
    """A required one-line field whose value goes to resident_clean as typed."""
    field = text_field(label, required_message=required_message, help_text=help_text)
    field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
    return field


def person_fields_by_code(
    *, code_prefix: str = "", name: str = "name", email: str = "email", postcode: str = "postcode"
) -> dict[str, str]:
    """Where each of resident_clean's refusals goes on a form whose person fields are
    called `name`, `email` and `postcode`: its part of the form's FIELDS_BY_CODE."""
    return {
        **{f"{code_prefix}{code}": name for code in NAME_CODES},
        **{f"{code_prefix}{code}": email for code in EMAIL_CODES},
        **dict.fromkeys(POSTCODE_CODES, postcode),
    }
