"""The body's written responses to petitions, against a public deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.signatures.models import SignerFanOut


class Response(SignerFanOut):
    """Owed once a petition crosses the response threshold; published by a responder.

    `due_on` is fixed when the response becomes owed, from the scheme's period (calendar
    or working days) counted from the day the threshold was crossed.
    """

    petition = models.OneToOneField("petitions.Petition", on_delete=models.CASCADE, related_name="response")
    threshold_reached_at = models.DateTimeField(_("threshold reached at"))
    due_on = models.DateField(_("due on"))
    # Who answers for the body (usually the petition's decision maker).
    official = models.ForeignKey(
        "officials.Official", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    draft = models.TextField(_("draft"), blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The published text, frozen at publication.
    body = models.TextField(_("response"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("response")

    def __str__(self) -> str:
        return f"Response to petition {self.petition_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def public_body(self) -> str | None:
        """The published text, for public outputs: none until published, and none beside a
        hidden petition (`Petition.is_hidden`), whose page shows no response."""
        return self.body if self.is_published and not self.petition.is_hidden else None
