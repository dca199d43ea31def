from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.integrity.models import InvalidationReason

FIELDS_BY_CODE = {
    "criteria_ip": "ip",
    "criteria_cidr": "cidr",
    "criteria_postcode": "postcode",
    "criteria_area": "area",
    "criteria_time": "since",
    "reason_invalid": "reason",
}


class InvalidationForm(forms.Form):
    petition_id = forms.IntegerField(label=_("Petition number"), required=False, min_value=1)
    ip = forms.CharField(label=_("IP address"), required=False)
    cidr = forms.CharField(label=_("IP range (CIDR)"), required=False, help_text=_("e.g. 203.0.113.0/24"))
    domain = forms.CharField(label=_("Email domain"), required=False, help_text=_("e.g. mailinator.com"))
    email_pattern = forms.CharField(label=_("Email pattern"), required=False, help_text=_("* matches anything"))
    postcode = forms.CharField(label=_("Postcode or its first half"), required=False)
    area = forms.CharField(label=_("Area code"), required=False, help_text=_("e.g. a ward's ONS code"))
    since = forms.CharField(label=_("Signed from (YYYY-MM-DD HH:MM)"), required=False)
    until = forms.CharField(label=_("Signed before (YYYY-MM-DD HH:MM)"), required=False)
    reason = forms.ChoiceField(label=_("Public reason"), choices=InvalidationReason.choices)
    note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
