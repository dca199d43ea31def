"""The allow and block lists staff keep of addresses, domains and networks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    IP = "ip", _("IP address or network (CIDR)")
    EMAIL_DOMAIN = "email_domain", _("Email domain (and its subdomains)")
    EMAIL = "email", _("Email address")


class ListAction(models.TextChoices):
    ALLOW = "allow", _("Allow (never rate-limited)")
    BLOCK = "block", _("Block (silently: nothing sent from it is kept, published or emailed)")
    SHARED = "shared", _("Shared network (many people behind it: higher signing limits)")


# A shared network's signing limits are the usual ones times its factor, within these bounds.
SHARED_FACTOR_MIN = 2
SHARED_FACTOR_MAX = 100
SHARED_FACTOR_DEFAULT = 10


class ListEntry(models.Model):
    """One entry, stored in the form it is compared in (townhall/lists/rules.py).

    Applied at every resident entry point (starting, sponsoring and signing petitions,
    asking questions, the contact relay) and by the signing fraud controls. A shared
    network (an IP network only) is neither allowed nor blocked: the signing limits apply to
    it times its `limit_factor`, so many people behind one office or campus address sign at
    their own pace and a burst from it is still held.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ListKind.choices)
    action = models.CharField(_("action"), max_length=10, choices=ListAction.choices)
    value = models.CharField(
        _("value"),
        max_length=254,
        help_text=_(
            "An address such as name@example.com, a domain such as example.com (its subdomains are "
            "covered too), or an IP address or network such as 203.0.113.7 or 203.0.113.0/24."
        ),
    )
    limit_factor = models.PositiveSmallIntegerField(
        _("limit factor"),
        null=True,
        blank=True,
        help_text=_(
            "Shared networks only: its signing limits are the usual ones times this (from 2 to 100; "
            "10 if left empty). For a council's own offices, a hospital or a university."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("allow or block list entry")
        verbose_name_plural = _("allow and block list entries")
        constraints = [models.UniqueConstraint(fields=["kind", "action", "value"], name="signer_list_entry_unique")]

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.value}"
