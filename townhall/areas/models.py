"""Areas (any named scheme: local authorities, wards, constituencies), the postcode lookup,
and the per-petition breakdowns the counter maintains.

A postcode maps to one *location*: the set of areas it lies in (its ward, its local
authority, its constituency, and their parents). A signature is tagged with its location
when it is confirmed, so a later change to the lookup table, or the postcode being cut
to its district when the petition is anonymised, never moves a counted signature.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    REGION = "region", _("Region")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    WARD = "ward", _("Ward")
    CONSTITUENCY = "constituency", _("Constituency")
    OTHER = "other", _("Other area")


class Area(models.Model):
    """A named area with a code (an ONS GSS code such as E05000001 for real areas)."""

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("e.g. an ONS code, E09000033"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children", verbose_name=_("parent")
    )
    # The person elected for the area, as published (e.g. the MP for a constituency).
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    # A GeoJSON geometry (Polygon or MultiPolygon, longitude/latitude), for the map.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "name", "code"]
        verbose_name = _("area")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Location(models.Model):
    """A distinct set of areas that postcodes lie in; signatures point at one.

    `key` is the sorted area ids joined by commas, so loading the same combination twice
    finds the same location.
    """

    key = models.CharField(max_length=200, unique=True)
    areas = models.ManyToManyField(Area, related_name="locations")

    def __str__(self) -> str:
        return f"location {self.key}"


class Postcode(models.Model):
    """Postcode → location. `code` is a full postcode in standard form ("SW1A 1AA"), or an
    outward code ("KM1") meaning the whole district; a full postcode wins over its district.
    """

    code = models.CharField(max_length=8, primary_key=True)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="postcodes")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PetitionAreaCount(models.Model):
    """Counted signatures on one petition from one area; maintained by the counter."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="area_counts")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="petition_counts")
    signature_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["petition", "-signature_count", "area"]
        constraints = [models.UniqueConstraint(fields=["petition", "area"], name="petition_area_count_unique")]

    def __str__(self) -> str:
        return f"{self.petition_id} in {self.area_id}: {self.signature_count}"


class PetitionHourCount(models.Model):
    """Counted signatures on one petition confirmed in one hour (UTC); maintained by the counter."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="hour_counts")
    hour = models.DateTimeField()
    signature_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["petition", "hour"]
        constraints = [models.UniqueConstraint(fields=["petition", "hour"], name="petition_hour_count_unique")]

    def __str__(self) -> str:
        return f"{self.petition_id} at {self.hour:%Y-%m-%d %H}:00: {self.signature_count}"
