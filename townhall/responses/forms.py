from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field

# Which field a service's refusal belongs to, by error code.
FIELDS_BY_CODE = {"response_too_long": "text", "response_empty": "text"}


class DraftForm(forms.Form):
    text = text_field(
        _("Response"),
        required=False,
        multiline=True,
        help_text=_(
            "Shown on the petition page and emailed to every signer who asked for updates. "
            "Leave a blank line between paragraphs."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["rows"] = 16


class PublishForm(forms.Form):
    """The confirmation step: carries the fingerprint of the draft that was shown."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
