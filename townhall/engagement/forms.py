from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.core.forms import text_field
from townhall.engagement.services import CONTACT_BODY_MAX, UPDATE_BODY_MAX, UPDATE_TITLE_MAX
from townhall.residents.forms import person_field, person_fields_by_code

UPDATE_FIELDS_BY_CODE = {
    "update_title_blank": "title",
    "update_title_too_long": "title",
    "update_body_blank": "body",
    "update_body_too_long": "body",
}

CONTACT_FIELDS_BY_CODE = {
    **person_fields_by_code(code_prefix="contact_"),
    "contact_body_blank": "message",
    "contact_body_too_long": "message",
    "reason_blank": "reason",
    "reason_too_long": "reason",
    "report_reason_too_long": "reason",
}


class UpdateForm(forms.Form):
    title = text_field(
        _("Title"),
        required_message=_("Enter a title for your update."),
        help_text=_("%(max)s characters at most.") % {"max": UPDATE_TITLE_MAX},
    )
    body = text_field(
        _("Your update"),
        required_message=_("Enter the text of your update."),
        multiline=True,
        help_text=_(
            "What has happened since you started the petition. A moderator checks it before it is "
            "published and emailed to signers who asked for updates. %(max)s characters at most."
        )
        % {"max": UPDATE_BODY_MAX},
    )


class UpdateRejectForm(forms.Form):
    reason = text_field(
        _("Explanation for the creator"),
        required_message=_("Explain to the creator why the update cannot be published."),
        multiline=True,
    )


class ContactForm(forms.Form):
    name = person_field(
        _("Your name"),
        required_message=_("Enter your name."),
        help_text=_("The creator will see your name, never your email address."),
    )
    email = person_field(
        _("Your email address"),
        required_message=_("Enter your email address."),
        help_text=_(
            "We email you a link to confirm it is yours before we pass your message on. "
            "Replies come to this address through us; the creator never sees it."
        ),
    )
    message = text_field(
        _("Your message"),
        required_message=_("Enter your message."),
        multiline=True,
        help_text=_("%(max)s characters at most.") % {"max": CONTACT_BODY_MAX},
    )


class ReplyForm(forms.Form):
    message = text_field(
        _("Your reply"),
        required_message=_("Enter your message."),
        multiline=True,
        help_text=_("%(max)s characters at most. Your email address is not shown.") % {"max": CONTACT_BODY_MAX},
    )


class ReportForm(forms.Form):
    reason = text_field(
        _("What is wrong with this message? (optional)"),
        required=False,
        multiline=True,
        help_text=_("Our moderators read this."),
    )
