from __future__ import annotations

from altcha_django.forms import AltchaField
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from townhall.residents.forms import person_field, person_fields_by_code

FIELDS_BY_CODE = {
    **person_fields_by_code(),
    "not_eligible": "declared_eligible",
}


class SignForm(forms.Form):
    name = person_field(
        _("Name"), required_message=_("Enter your name."), help_text=_("Your full name. It is never published.")
    )
    email = person_field(
        _("Email address"),
        required_message=_("Enter your email address."),
        help_text=_("We will email you a link to confirm your signature."),
    )
    postcode = person_field(
        _("Postcode"),
        required_message=_("Enter your postcode."),
        help_text=_("For example SW1A 1AA. Used to show how many signers are local."),
    )
    declared_eligible = forms.BooleanField(required=False)
    wants_updates = forms.BooleanField(label=_("Email me updates about this petition (optional)"), required=False)

    def __init__(self, *args: object, declaration: str, proof_of_work: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["declared_eligible"].label = declaration
        if proof_of_work:
            # Switched on by staff under attack: the browser solves a small puzzle
            # (a few seconds); the widget is keyboard- and screen-reader-accessible.
            self.fields["altcha"] = AltchaField(
                label=_("Check you are not a robot (your browser does this in a few seconds)"),
                challenge_url=reverse_lazy("altcha_django:challenge"),
            )
