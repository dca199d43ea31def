"""Helpers that let forms show the messages services raise, on the right field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms

from townhall.core.errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def show_domain_error(form: forms.Form, error: DomainError, *, fields_by_code: Mapping[str, str]) -> None:
    """Attach a service's refusal to the field it is about (or to the form as a whole)."""
    field = fields_by_code.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)


def text_field(
    label: StrOrPromise,
    *,
    required: bool = True,
    required_message: StrOrPromise = "",
    help_text: StrOrPromise = "",
    multiline: bool = False,
) -> forms.CharField:
    """A text field whose limits are checked by the service, never by the browser.

    No `maxlength` attribute: a browser silently cuts pasted text at the limit, and nothing
    a person typed may be lost. The service checks the limit and says by how much.
    """
    widget: forms.Widget = forms.Textarea(attrs={"rows": 4}) if multiline else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        strip=False,
        widget=widget,
        error_messages={"required": required_message} if required_message else None,
    )
