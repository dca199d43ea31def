from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.integrity.models import InvalidationAction, InvalidationReason
from townhall.integrity.services import (
    HELD_ANY,
    HELD_NOT,
    HELD_ONLY,
    HOLD_REASONS,
    SEARCH_SORT_DEFAULT,
    SEARCH_STATES,
)

FIELDS_BY_CODE = {
    "action_invalid": "action",
    "criteria_petition": "petition_id",
    "criteria_state": "state",
    "criteria_name": "name",
    "criteria_email": "email",
    "criteria_until": "until",
    "search_sort": "sort",
    "criteria_ip": "ip",
    "criteria_ip_hash": "ip_hash",
    "criteria_cidr": "cidr",
    "criteria_email_pattern": "email_pattern",
    "criteria_name_pattern": "name_pattern",
    "criteria_postcode": "postcode",
    "criteria_area": "area",
    "criteria_time": "since",
    "criteria_held": "held",
    "criteria_hold_reason": "hold_reason",
    "criteria_fraud_reason": "fraud_reason",
    "criteria_confirmed_within": "confirmed_within_seconds",
    "reason_invalid": "reason",
}

ACTIONS = [
    (InvalidationAction.INVALIDATE.value, _("Remove them from the counts, with a public reason")),
    (InvalidationAction.RELEASE.value, _("Release the held ones among them: they count")),
    (InvalidationAction.REJECT.value, _("Reject the held ones among them: they never count")),
]


class CriteriaForm(forms.Form):
    """The criteria of the signature search and of the invalidation tools. The fields carry
    the names of `Criteria`'s, so a link made with `Criteria.as_query()` fills the form in and
    `Criteria.from_query()` reads what was submitted; the service refuses a bad value and the
    view shows the refusal on its field (`FIELDS_BY_CODE`)."""

    petition_id = forms.IntegerField(label=_("Petition number"), required=False, min_value=1)
    state = forms.CharField(
        label=_("State"),
        required=False,
        widget=forms.Select(
            choices=[("", _("Any state")), *((key, words) for key, (words, _q) in SEARCH_STATES.items())]
        ),
    )
    name = forms.CharField(
        label=_("Name"), required=False, help_text=_("Part of the signer's name; case is ignored, e.g. smith")
    )
    email = forms.CharField(
        label=_("Email address"),
        required=False,
        help_text=_("The whole address, however it was typed: j.smith+x@googlemail.com finds jsmith@gmail.com"),
    )
    ip = forms.CharField(label=_("IP address"), required=False)
    ip_hash = forms.CharField(
        label=_("Address hash"), required=False, help_text=_("32 characters, as a trend alert or the admin shows it")
    )
    cidr = forms.CharField(label=_("IP range or network (CIDR)"), required=False, help_text=_("e.g. 203.0.113.0/24"))
    domain = forms.CharField(label=_("Email domain"), required=False, help_text=_("e.g. mailinator.com"))
    email_pattern = forms.CharField(
        label=_("Email pattern"),
        required=False,
        help_text=_("e.g. voter#@example.net: * matches anything, # any run of digits"),
    )
    name_pattern = forms.CharField(
        label=_("Name pattern"),
        required=False,
        help_text=_("e.g. test user #: * matches anything, # any run of digits; case and spacing are ignored"),
    )
    postcode = forms.CharField(label=_("Postcode or its first half"), required=False)
    area = forms.CharField(label=_("Area code"), required=False, help_text=_("e.g. a ward's ONS code"))
    since = forms.CharField(label=_("Signed from (YYYY-MM-DD HH:MM)"), required=False)
    until = forms.CharField(label=_("Signed before (YYYY-MM-DD HH:MM)"), required=False)
    held = forms.ChoiceField(
        label=_("Held by the fraud controls"),
        choices=[
            (HELD_ANY, _("Held or not")),
            (HELD_ONLY, _("Only held signatures")),
            (HELD_NOT, _("Only signatures not held")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    hold_reason = forms.MultipleChoiceField(
        label=_("Held because"),
        choices=list(HOLD_REASONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Any of those ticked; none ticked: whatever the reason"),
    )
    fraud_reason = forms.MultipleChoiceField(
        label=_("Marked by the fraud controls because"),
        choices=list(HOLD_REASONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Flagged or held for any of those ticked, including those released since (a flagged "
            "signature counts); none ticked: marked or not"
        ),
    )
    confirmed_within_seconds = forms.CharField(
        label=_("Confirmed within (seconds after signing)"),
        required=False,
        help_text=_("e.g. 60: only signatures confirmed less than a minute after they were made"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.TextInput | forms.NumberInput):
                # Criteria are typed afresh each time; a browser's memory of addresses and
                # names typed before has no place on a shared office computer.
                field.widget.attrs["autocomplete"] = "off"
            if field.help_text and not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def describe_errors(self) -> None:
        """Tie each field's error to its input, beside its hint (includes/field.html ids)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                hint = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = f"{hint} id_{name}-error".strip()


SORTS = [
    (SEARCH_SORT_DEFAULT, _("Signed, newest first")),
    ("signed", _("Signed, oldest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("petition", _("Petition number, lowest first")),
    ("-petition", _("Petition number, highest first")),
    ("state", _("State")),
]


class SignatureSearchForm(CriteriaForm):
    """The signature search: the criteria, and the order of the results."""

    sort = forms.CharField(label=_("Sort by"), required=False, widget=forms.Select(choices=SORTS))


class InvalidationForm(CriteriaForm):
    """One form for removing, releasing and rejecting signatures, by the criteria."""

    action = forms.ChoiceField(label=_("What to do"), choices=ACTIONS, widget=forms.RadioSelect, required=False)
    reason = forms.ChoiceField(
        label=_("Public reason (to remove)"),
        choices=[("", _("Choose a reason")), *InvalidationReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and not data.get("action"):
            data = data.copy()
            data["action"] = InvalidationAction.INVALIDATE.value
        super().__init__(data, **kwargs)
