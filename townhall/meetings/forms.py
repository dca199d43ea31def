from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field
from townhall.meetings.models import AgendaItem, AgendaItemKind, CommitteeKind

COMMITTEE_FIELDS_BY_CODE = {
    "committee_name_blank": "name",
    "committee_name_too_long": "name",
    "committee_exists": "name",
    "committee_kind_invalid": "kind",
}

MEETING_FIELDS_BY_CODE = {
    "committee_unknown": "committee",
    "starts_at_invalid": "starts_at",
    "starts_at_past": "starts_at",
    "location_too_long": "location",
}

AGENDA_FIELDS_BY_CODE = {
    "kind_invalid": "kind",
    "petition_missing": "petition",
    "petition_unknown": "petition",
    "petition_state": "petition",
    "petition_not_allowed": "petition",
    "no_threshold": "petition",
    "threshold_not_reached": "petition",
    "already_scheduled": "petition",
    "official_unknown": "official",
    "title_blank": "title",
    "title_too_long": "title",
}

OUTCOME_FIELDS_BY_CODE = {
    "summary_blank": "summary",
    "minutes_url_invalid": "minutes_url",
    "video_url_invalid": "video_url",
}

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CommitteeForm(forms.Form):
    name = text_field(_("Name"), required_message=_("Enter the committee's name."))
    kind = forms.ChoiceField(
        label=_("Kind of committee"),
        choices=[("", _("Choose…")), *CommitteeKind.choices],
        error_messages={
            "required": _("Choose what kind of committee this is."),
            "invalid_choice": _("Choose what kind of committee this is."),
        },
    )


class MeetingForm(forms.Form):
    committee = forms.TypedChoiceField(
        label=_("Committee"),
        coerce=int,
        error_messages={
            "required": _("Choose the committee that is meeting."),
            "invalid_choice": _("Choose the committee that is meeting."),
        },
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        help_text=_("The body's local time, for example 2026-03-12 19:00."),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={
            "required": _("Give the meeting's date and time."),
            "invalid": _("Give the date and time like 2026-03-12 19:00."),
        },
    )
    location = text_field(_("Location"), required=False, help_text=_("For example: Council Chamber, Town Hall."))

    def __init__(self, data: Any = None, *, committees: Sequence[tuple[int, str]]) -> None:
        super().__init__(data)
        cast(forms.TypedChoiceField, self.fields["committee"]).choices = [("", _("Choose…")), *committees]


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of item"),
        choices=[("", _("Choose…")), *AgendaItemKind.choices],
        error_messages={
            "required": _("Choose what kind of agenda item this is."),
            "invalid_choice": _("Choose what kind of agenda item this is."),
        },
    )
    petition = forms.IntegerField(
        label=_("Petition number"),
        required=False,
        min_value=1,
        help_text=_("For a debate or an officer evidence session: the number in the petition's address."),
        error_messages={
            "invalid": _("Give the petition's number, like 12."),
            "min_value": _("Give the petition's number, like 12."),
        },
    )
    official = forms.TypedChoiceField(
        label=_("Official"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("The officer giving evidence, or the official answering public questions."),
        error_messages={"invalid_choice": _("Choose an official from the list.")},
    )
    title = text_field(
        _("Title"), required=False, help_text=_("Leave blank to use the petition's action or a standard title.")
    )

    def __init__(self, data: Any = None, *, officials: Sequence[tuple[int, str]]) -> None:
        super().__init__(data)
        cast(forms.TypedChoiceField, self.fields["official"]).choices = [("", _("None")), *officials]


class CancelForm(forms.Form):
    reason = text_field(
        _("Why is the meeting cancelled?"),
        multiline=True,
        required_message=_("Say why the meeting is cancelled; the reason is shown on the meeting's page."),
    )


class OutcomeForm(forms.Form):
    """The meeting's record, plus an outcome and a decision field for each agenda item."""

    summary = text_field(_("Summary"), multiline=True, required_message=_("Summarise what happened at the meeting."))
    minutes_url = text_field(_("Minutes (web address)"), required=False)
    video_url = text_field(_("Video (web address)"), required=False)

    def __init__(self, data: Any = None, *, items: Sequence[AgendaItem]) -> None:
        super().__init__(data)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}_outcome"] = text_field(_("What happened"), multiline=True, required=False)
            self.fields[f"item_{item.pk}_decision"] = text_field(_("Decision"), multiline=True, required=False)

    def item_fields(self) -> list[tuple[AgendaItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"item_{item.pk}_outcome"], self[f"item_{item.pk}_decision"]) for item in self.items]
