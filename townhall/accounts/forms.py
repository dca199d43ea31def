from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from townhall.accounts.throttle import login_attempt_refused, login_succeeded
from townhall.core.net import client_ip


class ThrottledLoginForm(AuthenticationForm):
    """Django's sign-in form, refusing for a while after too many attempts (each counted
    before its password is checked)."""

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        ip = client_ip(self.request) if self.request is not None else ""
        if login_attempt_refused(username=username, ip=ip):
            raise forms.ValidationError(
                _("Too many failed sign-in attempts. Wait 15 minutes and try again."), code="throttled"
            )
        cleaned = super().clean()  # a wrong password raises: its attempt stays counted
        login_succeeded(username=username, ip=ip)
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        error_messages={
            "required": _("Enter the 6-digit code from your authenticator app."),
            "min_length": _("Enter all 6 digits of the code."),
            "max_length": _("Enter the 6 digits of the code only."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
