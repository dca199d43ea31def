from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles; each grants exactly the powers its name says (see policies)."""

    MODERATOR = "moderator", _("Moderator")
    ADMINISTRATOR = "administrator", _("Administrator")
    RESPONDER = "responder", _("Responder")
    CLERK = "clerk", _("Clerk")


def roles_clean(value: object) -> list[str]:
    """The one reading of a set of staff roles: a list of Role values, each exactly as
    named. Returns them once each, sorted; anything else raises ValidationError saying
    what is wrong (a string is never read as a role, so "not an administrator" is no
    administrator, and a typo is refused rather than saved)."""
    names = ", ".join(sorted(Role.values))
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValidationError(
            gettext("Staff roles must be a list of role names, chosen from: %(names)s.") % {"names": names},
            code="roles_not_a_list",
        )
    for role in value:
        if not isinstance(role, str) or role not in Role.values:
            raise ValidationError(
                gettext("“%(role)s” is not a staff role. The roles are: %(names)s.") % {"role": role, "names": names},
                code="role_unknown",
            )
    return sorted(set(value))


class RolesField(models.JSONField):
    """Staff roles, stored as a sorted JSON list of Role values.

    Every write is checked by `roles_clean` (a ValidationError on save, before anything
    reaches the database); a value that reached the database some other way and is not a
    list of known roles reads as no roles at all. Forms show one checkbox per role.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str]:
        stored = super().from_db_value(value, expression, connection)
        if not isinstance(stored, list):
            return []
        return [role for role in stored if isinstance(role, str) and role in Role.values]

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(roles_clean(value))

    def validate(self, value: Any, model_instance: Any) -> None:
        roles_clean(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.MultipleChoiceField(
            label=self.verbose_name,
            help_text=self.help_text,
            choices=Role.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class User(AbstractUser):
    """A staff member. Residents never have accounts: they act through emailed links."""

    roles = RolesField(_("roles"), default=list, blank=True, help_text=_("Staff roles held."))

    def has_role(self, role: Role) -> bool:
        return self.is_active and (self.is_superuser or role.value in roles_held(self))

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Sessions are bound to the password, the roles and the superuser flag: changing
        any of them signs the account out everywhere (Django checks this hash on each
        request)."""
        held = ",".join(roles_held(self))
        return salted_hmac(
            "townhall.accounts.User.session",
            f"{self.password}|{held}|{self.is_superuser}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


def roles_held(user: User) -> list[str]:
    """The roles `user` holds as they stand in memory: nothing unless they are a list of
    known roles (an unsaved, unchecked assignment grants nothing)."""
    try:
        return roles_clean(user.roles)
    except ValidationError:
        return []


# Who is acting, as a request knows it: a signed-in member of staff, or nobody (the task
# worker, the scheduler and residents' emailed links act as nobody). Services take an
# `actor: Actor` and ask accounts.policies whether it may act.
Actor = User | AnonymousUser
