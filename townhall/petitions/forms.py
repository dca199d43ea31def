from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field
from townhall.petitions.models import ACTION_MAX, BACKGROUND_MAX, DETAILS_MAX
from townhall.residents.forms import person_field, person_fields_by_code

OTHER = "other"

FIELDS_BY_CODE = {
    "action_blank": "action",
    "action_too_long": "action",
    "background_blank": "background",
    "background_too_long": "background",
    "details_too_long": "additional_details",
    "official_unknown": "addressed_to",
    "decision_maker_blank": "decision_maker_other",
    "decision_maker_too_long": "decision_maker_other",
    **person_fields_by_code(
        code_prefix="creator_", name="creator_name", email="creator_email", postcode="creator_postcode"
    ),
}


class PetitionCreateForm(forms.Form):
    action = text_field(
        _("What do you want us to do?"),
        required_message=_("Enter the action you want the decision maker to take."),
        help_text=_("A short, clear request: %(max)s characters at most.") % {"max": ACTION_MAX},
    )
    background = text_field(
        _("Why?"),
        required_message=_("Enter the background to your petition."),
        multiline=True,
        help_text=_("Why this matters: %(max)s characters at most.") % {"max": BACKGROUND_MAX},
    )
    additional_details = text_field(
        _("Additional details (optional)"),
        required=False,
        multiline=True,
        help_text=_("Anything else the decision maker should know: %(max)s characters at most.") % {"max": DETAILS_MAX},
    )
    addressed_to = forms.ChoiceField(
        label=_("Who should act on it?"),
        error_messages={
            "required": _("Choose who the petition is addressed to."),
            "invalid_choice": _("Choose who the petition is addressed to from the list."),
        },
    )
    decision_maker_other = text_field(
        _("Another person or organisation"),
        required=False,
        help_text=_("Only if you chose “someone else” above."),
    )
    creator_name = person_field(
        _("Your name"), required_message=_("Enter your name."), help_text=_("Shown on the petition as its creator.")
    )
    creator_email = person_field(
        _("Your email address"),
        required_message=_("Enter your email address."),
        help_text=_("We will email you a link to confirm it. It is never published."),
    )
    creator_postcode = person_field(
        _("Your postcode"), required_message=_("Enter your postcode."), help_text=_("For example SW1A 1AA.")
    )
    seen_similar = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, officials: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["addressed_to"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose…")),
            *[(str(pk), label) for pk, label in officials],
            (OTHER, _("Someone else (type below)")),
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("addressed_to") == OTHER and not str(data.get("decision_maker_other", "")).strip():
            self.add_error("decision_maker_other", _("Say who the petition is addressed to."))
        return data

    @property
    def official_id(self) -> int | None:
        value = self.cleaned_data.get("addressed_to")
        return None if value in (None, "", OTHER) else int(value)
