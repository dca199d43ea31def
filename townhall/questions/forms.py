from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field
from townhall.questions.models import Verdict
from townhall.residents.forms import person_field, person_fields_by_code

ASK_FIELDS_BY_CODE = {
    "official_unknown": "official",
    **person_fields_by_code(),
    "too_many_questions": "email",
    "text_blank": "text",
    "text_too_long": "text",
}


class AskForm(forms.Form):
    official = forms.TypedChoiceField(
        label=_("Who is your question for?"),
        coerce=int,
        empty_value=None,
        error_messages={
            "required": _("Choose who your question is for from the list."),
            "invalid_choice": _("Choose who your question is for from the list."),
        },
    )
    text = text_field(_("Your question"), multiline=True, required_message=_("Enter your question."))
    name = person_field(_("Name"), required_message=_("Enter your name."), help_text=_("Your name is never published."))
    email = person_field(
        _("Email address"),
        required_message=_("Enter your email address."),
        help_text=_("We will email you a link to confirm your question, and later to ask whether it was answered."),
    )
    postcode = person_field(
        _("Postcode"), required_message=_("Enter your postcode."), help_text=_("For example SW1A 1AA. Never published.")
    )

    def __init__(
        self, data: Any = None, *, officials: Sequence[tuple[int, str]], word_limit: int, initial_official: int | None
    ) -> None:
        super().__init__(data, initial={"official": initial_official} if initial_official else None)
        cast(forms.TypedChoiceField, self.fields["official"]).choices = [("", _("Choose…")), *officials]
        self.fields["text"].help_text = _("At most %(n)s words. Ask one clear question.") % {"n": word_limit}


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Was your question answered?"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether your question was answered."),
            "invalid_choice": _("Choose whether your question was answered."),
        },
    )
    reason = text_field(_("Why? (optional)"), multiline=True, required=False)


class RejectForm(forms.Form):
    reason = text_field(
        _("Reason, emailed to the asker"),
        multiline=True,
        required_message=_("Give a reason for rejecting the question; it is emailed to the asker."),
    )


class AnswerForm(forms.Form):
    answer = text_field(_("Written answer"), multiline=True, required_message=_("Enter the written answer."))


class SupplementaryForm(forms.Form):
    supplementary_question = text_field(
        _("Supplementary question"),
        multiline=True,
        required_message=_("Enter the supplementary question that was asked."),
    )
    supplementary_answer = text_field(
        _("Answer given at the meeting"),
        multiline=True,
        required=False,
        help_text=_("Leave blank if no answer was given."),
    )
