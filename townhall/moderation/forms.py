from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field
from townhall.petitions.models import HIDING_REASONS, RejectionReason


def _reason_label(reason: RejectionReason) -> str:
    label = str(reason.label)
    return f"{label} ({_('hides the petition')})" if reason in HIDING_REASONS else label


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, _reason_label(r)) for r in RejectionReason],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason for rejecting the petition.")},
    )
    details = text_field(_("Explanation for the creator"), multiline=True, required=False)
