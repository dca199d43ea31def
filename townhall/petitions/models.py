"""Petitions, the frozen versions of their text, and the thresholds they crossed."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from townhall.officials.models import Official

ACTION_MAX = 80
BACKGROUND_MAX = 300
DETAILS_MAX = 800


class PetitionState(models.TextChoices):
    PENDING = "pending", _("Waiting for the creator to confirm their email")
    SPONSORING = "sponsoring", _("Collecting sponsors")
    AWAITING_MODERATION = "awaiting_moderation", _("Waiting for moderation")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    REMOVED = "removed", _("Removed")


# States in which the public can see a petition's page.
PUBLISHED_STATES = (PetitionState.OPEN, PetitionState.CLOSED, PetitionState.REJECTED)
# Published and not taken down: these petitions gather signatures (or did until they
# closed), cross thresholds, are owed responses, are debated, post updates and can be
# contacted. townhall.petitions.policies says which action each state allows.
LIVE_STATES = (PetitionState.OPEN, PetitionState.CLOSED)
# Private and never handed to the moderators: waiting for the creator, or for sponsors.
# Left there past UNSUBMITTED_PETITION_RETENTION_DAYS, a petition is deleted
# (`PetitionQuerySet.unsubmitted_before`).
UNSUBMITTED_STATES = (PetitionState.PENDING, PetitionState.SPONSORING)


class RejectionReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate of an existing petition")
    IRRELEVANT = "irrelevant", _("Not the body's responsibility")
    NO_ACTION = "no_action", _("It did not say clearly what action it wants")
    FAKE_NAME = "fake_name", _("It was created under a name that appears to be false")
    FOI = "foi", _("It is a Freedom of Information request")
    LIBELLOUS = "libellous", _("It included confidential, libellous or defamatory content")
    OFFENSIVE = "offensive", _("It included offensive content")
    ADVERT = "advert", _("It advertised a product or service")


# Rejections for these reasons hide the petition's text from the public.
HIDING_REASONS = frozenset({RejectionReason.LIBELLOUS, RejectionReason.OFFENSIVE, RejectionReason.ADVERT})


# The creator's text that query-built outputs (exports) may show, as `with_public_text`
# gives it; the `public_*` properties of Petition cover every field the page withholds.
PUBLIC_TEXT_FIELDS = ("action", "decision_maker")


def hidden_condition(prefix: str = "") -> models.Q:
    """The one definition of a hidden petition as a query condition (see `Petition.is_hidden`);
    `prefix` reaches it through a relation, e.g. "petition__"."""
    return models.Q(**{f"{prefix}state": PetitionState.REJECTED, f"{prefix}rejection_reason__in": HIDING_REASONS})


class PetitionQuerySet(models.QuerySet["Petition"]):
    def published(self) -> PetitionQuerySet:
        """Petitions whose page the public can see (open, closed, rejected)."""
        return self.filter(state__in=PUBLISHED_STATES)

    def live(self) -> PetitionQuerySet:
        """Published and not taken down: open or closed."""
        return self.filter(state__in=LIVE_STATES)

    def unsubmitted_before(self, moment: datetime.datetime) -> PetitionQuerySet:
        """Petitions that have waited since `moment` or longer without reaching the
        moderators: pending ones started by then (the creator never confirmed), and
        sponsoring ones whose creator confirmed by then (the sponsors never gathered).
        Petitions an administrator exempted, or already anonymised, are left out."""
        return self.filter(is_anonymisation_exempt=False, anonymised_at__isnull=True).filter(
            models.Q(state=PetitionState.PENDING, created_at__lte=moment)
            | models.Q(state=PetitionState.SPONSORING, creator_confirmed_at__lte=moment)
        )

    def text_public(self) -> PetitionQuerySet:
        """Petitions whose text the public may read (search never matches a hidden one)."""
        return self.exclude(hidden_condition())

    def with_public_text(self) -> PetitionQuerySet:
        """Annotate `<field>_if_public` for each of PUBLIC_TEXT_FIELDS: the field, or ""
        where the petition is hidden (exports read these, never the raw columns)."""
        return self.annotate(
            **{
                f"{field}_if_public": models.Case(
                    models.When(hidden_condition(), then=models.Value("")),
                    default=models.F(field),
                    output_field=models.CharField(),
                )
                for field in PUBLIC_TEXT_FIELDS
            }
        )


class Petition(models.Model):
    action = models.CharField(_("action"), max_length=ACTION_MAX)
    background = models.TextField(_("background"), max_length=BACKGROUND_MAX)
    additional_details = models.TextField(_("additional details"), max_length=DETAILS_MAX, blank=True)
    # Who the petition asks to act: the official's name and role as shown, kept as text so
    # it stays right after the official leaves, plus a link when it is a current official.
    decision_maker = models.CharField(_("decision maker"), max_length=200)
    official = models.ForeignKey(
        "officials.Official", null=True, blank=True, on_delete=models.SET_NULL, related_name="petitions"
    )

    creator_name = models.CharField(_("creator's name"), max_length=100)
    creator_email = models.EmailField(_("creator's email"))
    creator_postcode = models.CharField(_("creator's postcode"), max_length=8)
    # Keyed hash of the creator's IP, kept until anonymised; never the address.
    creator_ip_hash = models.CharField(max_length=32, blank=True, editable=False)
    creator_token = models.CharField(max_length=64, editable=False)
    sponsor_token = models.CharField(max_length=64, editable=False)

    state = models.CharField(
        _("state"), max_length=24, choices=PetitionState.choices, default=PetitionState.PENDING, db_index=True
    )
    current_version = models.ForeignKey(
        "PetitionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Maintained only by the counter (signatures app); never by a request.
    signature_count = models.PositiveIntegerField(_("signatures"), default=0)
    # Proof of locality, maintained with signature_count by the counter: counted signatures
    # from postcodes inside the scheme's eligible area, and from postcodes not in the lookup.
    # Out of area = signature_count - in_area_count - unknown_area_count.
    in_area_count = models.PositiveIntegerField(_("signatures from the area"), default=0)
    unknown_area_count = models.PositiveIntegerField(_("signatures from unknown postcodes"), default=0)
    # Confirmed signatures held by the fraud controls and not (yet) counted: shown beside
    # the count as "awaiting checks". Maintained by the counter as well.
    awaiting_count = models.PositiveIntegerField(_("signatures awaiting checks"), default=0)

    created_at = models.DateTimeField(_("created at"), db_index=True)
    creator_confirmed_at = models.DateTimeField(null=True, blank=True)
    moderation_requested_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    rejection_details = models.TextField(blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Written by the accountability app when a response is published / a debate held.
    response_published_at = models.DateTimeField(null=True, blank=True)
    debate_outcome_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # Under attack, staff can require a proof-of-work puzzle for signing this petition.
    proof_of_work_required = models.BooleanField(_("proof of work to sign"), default=False)
    # Data protection: personal details of the creator and signers are removed some months
    # after the petition closes, is rejected or is removed, unless an administrator exempts it.
    anonymised_at = models.DateTimeField(null=True, blank=True)
    is_anonymisation_exempt = models.BooleanField(
        _("keep personal details"), default=False, help_text=_("Exempt from anonymisation (administrators).")
    )

    objects = models.Manager.from_queryset(PetitionQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("petition")
        indexes = [models.Index(fields=["state", "-signature_count"], name="petition_state_count_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="open") | models.Q(opened_at__isnull=False, deadline_at__isnull=False),
                name="petition_open_has_dates",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="rejected") | ~models.Q(rejection_reason=""),
                name="petition_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.action

    @property
    def is_hidden(self) -> bool:
        """A rejected petition whose text must not be shown (defamatory, offensive, advert).

        The same rule as a query condition is `hidden_condition()`. Every public output
        (pages, feeds, JSON, CSV, the widget) reads the text through the `public_*`
        properties below or `PetitionQuerySet.with_public_text`, never the raw fields. A
        hidden petition's page shows only that it was rejected and why: no text, addressee,
        creator, official, timeline, updates or response, and so neither does any output.
        """
        return self.state == PetitionState.REJECTED and self.rejection_reason in HIDING_REASONS

    @property
    def is_open(self) -> bool:
        return self.state == PetitionState.OPEN

    @property
    def is_rejected(self) -> bool:
        return self.state == PetitionState.REJECTED

    @property
    def public_action(self) -> str | None:
        return None if self.is_hidden else self.action

    @property
    def public_title(self) -> str:
        """How public pages name the petition: its action, or for a hidden petition only
        that it was rejected."""
        return str(_("Rejected petition")) if self.is_hidden else self.action

    @property
    def public_background(self) -> str | None:
        return None if self.is_hidden else self.background

    @property
    def public_additional_details(self) -> str | None:
        return None if self.is_hidden else self.additional_details

    @property
    def public_decision_maker(self) -> str | None:
        """Who the petition is addressed to: typed by its creator, so hidden with its text."""
        return None if self.is_hidden else self.decision_maker

    @property
    def public_official(self) -> Official | None:
        """The official it is addressed to, not linked to a hidden petition."""
        return None if self.is_hidden else self.official

    @property
    def public_rejection_details(self) -> str | None:
        return None if self.is_hidden else self.rejection_details

    @property
    def public_creator_name(self) -> str | None:
        """The creator's name is published with their petition until it is anonymised, and
        never beside a hidden one."""
        return None if self.is_hidden or self.anonymised_at is not None else self.creator_name


class PetitionVersion(models.Model):
    """The text of a petition exactly as people saw it when they signed; never edited."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=ACTION_MAX)
    background = models.TextField(max_length=BACKGROUND_MAX)
    additional_details = models.TextField(max_length=DETAILS_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["petition", "number"]
        constraints = [models.UniqueConstraint(fields=["petition", "number"], name="petition_version_unique")]

    def __str__(self) -> str:
        return f"{self.petition_id} v{self.number}"


class ThresholdCrossing(models.Model):
    """When a petition first reached one of the scheme's thresholds."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="threshold_crossings")
    threshold = models.ForeignKey("schemes.Threshold", on_delete=models.PROTECT, related_name="crossings")
    reached_at = models.DateTimeField()
    signature_count = models.PositiveIntegerField(help_text=_("The count when the crossing was recorded."))

    class Meta:
        ordering = ["reached_at"]
        constraints = [models.UniqueConstraint(fields=["petition", "threshold"], name="threshold_crossing_unique")]

    def __str__(self) -> str:
        return f"{self.petition_id} reached {self.threshold_id} at {self.reached_at:%Y-%m-%d %H:%M}"
