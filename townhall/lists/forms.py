"""The staff lists page's forms: an entry, the filter, and the test box. The rules'
refusals are shown on the field they are about (FIELDS_BY_CODE)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import DomainError
from townhall.core.forms import text_field
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.rules import Address, check_address_clean, check_email_clean

# Every refusal of the lists' rules and service, and the field it is about.
FIELDS_BY_CODE = {
    "list_value_blank": "value",
    "list_ip_invalid": "value",
    "list_ip_host_bits": "value",
    "list_domain_wildcard": "value",
    "list_domain_is_email": "value",
    "list_domain_invalid": "value",
    "list_email_invalid": "value",
    "list_value_too_long": "value",
    "list_duplicate": "value",
    "list_kind_unknown": "kind",
    "list_shared_not_ip": "action",
    "list_factor_not_shared": "limit_factor",
    "list_factor_range": "limit_factor",
    "list_note_too_long": "note",
}

_value_field = ListEntry._meta.get_field("value")
_factor_field = ListEntry._meta.get_field("limit_factor")


class EntryForm(forms.Form):
    """An entry as typed: the service normalises and checks it (townhall/lists/rules.py)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ListKind.choices,
        error_messages={
            "required": _("Choose what kind of entry this is."),
            "invalid_choice": _("Choose one of the kinds listed."),
        },
    )
    action = forms.ChoiceField(
        label=_("What it does"),
        choices=ListAction.choices,
        error_messages={
            "required": _("Choose what the entry does."),
            "invalid_choice": _("Choose one of the actions listed."),
        },
    )
    value = text_field(_("Address, domain or network"), required=False, help_text=_value_field.help_text)
    limit_factor = forms.IntegerField(
        label=_("Limit factor"),
        required=False,
        help_text=_factor_field.help_text,
        error_messages={"invalid": _("Give the limit factor as a whole number, such as 10.")},
    )
    note = text_field(_("Note"), required=False, help_text=_("Why it is on the list, for other staff."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser leaves every check to the service, so nothing typed is lost.
        self.fields["limit_factor"].widget = forms.TextInput(attrs={"inputmode": "numeric"})


class EntryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Every kind")), *ListKind.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose one of the kinds listed.")},
    )
    action = forms.ChoiceField(
        label=_("What it does"),
        choices=[("", _("Every action")), *ListAction.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose one of the actions listed.")},
    )


class AddressCheckForm(forms.Form):
    """The test box: an email address and/or an IP address, compared and never kept."""

    email = forms.CharField(
        label=_("Email address"),
        required=False,
        strip=False,
        help_text=_("As a resident would type it, such as J.Smith+x@googlemail.com."),
    )
    ip = forms.CharField(
        label=_("IP address"), required=False, strip=False, help_text=_("One address, such as 203.0.113.7.")
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if not email.strip():
            return ""
        try:
            return check_email_clean(email)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_ip(self) -> Address | None:
        ip: str = self.cleaned_data["ip"]
        if not ip.strip():
            return None
        try:
            return check_address_clean(ip)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("email") and data.get("ip") is None:
            raise forms.ValidationError(_("Give an email address, an IP address or both."), code="check_blank")
        return data
