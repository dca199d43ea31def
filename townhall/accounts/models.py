from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles; each grants exactly the powers its name says (see policies)."""

    MODERATOR = "moderator", _("Moderator")
    ADMINISTRATOR = "administrator", _("Administrator")
    RESPONDER = "responder", _("Responder")
    CLERK = "clerk", _("Clerk")


class User(AbstractUser):
    """A staff member. Residents never have accounts: they act through emailed links."""

    roles = models.JSONField(_("roles"), default=list, blank=True, help_text=_("Staff roles held."))

    def has_role(self, role: Role) -> bool:
        return self.is_active and (role.value in self.roles or self.is_superuser)


# Who is acting, as a request knows it: a signed-in member of staff, or nobody (the task
# worker, the scheduler and residents' emailed links act as nobody). Services take an
# `actor: Actor` and ask accounts.policies whether it may act.
Actor = User | AnonymousUser
