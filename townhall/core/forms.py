"""Helpers that let forms show the messages services raise, on the right field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms

from townhall.core.errors import DomainError, Gone, NotFound, PermissionDeniedError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def raise_if_page_level(error: DomainError) -> None:
    """Not found, gone and not allowed are answered with their error page, never with a
    message on the page the request came from (`show_refusal`, and pages without a form)."""
    if isinstance(error, NotFound | Gone | PermissionDeniedError):
        raise error


def show_refusal(form: forms.Form, error: DomainError, *, fields_by_code: Mapping[str, str]) -> int:
    """The one rule for where a service's refusal goes on a page with a form.

    - Not found, gone, or not allowed (404, 410, 403) is about the page, not what was
      typed: the error is raised again and DomainErrorMiddleware renders its page.
    - Anything else is shown with the form, which keeps everything the person typed: on
      the field its code names (`fields_by_code`), otherwise above the form (an
      InvalidState such as "this petition has closed" is about the whole form).

    Returns the HTTP status to answer with (the error's own).
    """
    raise_if_page_level(error)
    field = fields_by_code.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)
    return error.http_status


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
