"""Reads of areas and breakdowns: the postcode lookup, proof of locality, the map and chart data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, Expression, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Left, Length, StrIndex
from django.utils import timezone

from townhall.areas.keys import lookup_key
from townhall.areas.models import Area, PetitionAreaCount, PetitionHourCount, Postcode

# Callers name the kind of area a breakdown is for through this module (interfaces never
# import another app's models).
from townhall.areas.models import AreaKind as AreaKind
from townhall.core.errors import NotFound
from townhall.schemes.selectors import scheme_get_current


def location_for_postcode(postcode: str) -> Subquery:
    """The location of a postcode as a subquery on the lookup's primary key (a full postcode
    wins over its district), for use inside the confirming UPDATE: no separate read."""
    keys = [postcode]
    district = postcode.split(" ")[0]
    if district != postcode:
        keys.append(district)
    return Subquery(Postcode.objects.filter(code__in=keys).order_by(Length("code").desc()).values("location_id")[:1])


def location_lookup(postcode: OuterRef) -> Expression:
    """The same lookup for a postcode column of an outer query (the counter's bulk path)."""
    exact = Subquery(Postcode.objects.filter(code=postcode).values("location_id")[:1])
    district = Subquery(
        Postcode.objects.filter(code=Left(postcode, StrIndex(postcode, Value(" ")) - 1)).values("location_id")[:1]
    )
    return Coalesce(exact, district, output_field=BigIntegerField())


def area_get_for_postcode(*, postcode: str, kind: str | None = None) -> list[Area]:
    """The areas a postcode lies in (staff tools, tests); empty if it is not in the lookup."""
    key = lookup_key(postcode)
    if key is None:
        return []
    row = Postcode.objects.filter(code__in=[key, key.split(" ")[0]]).order_by(Length("code").desc()).first()
    if row is None:
        return []
    areas = row.location.areas.all()
    if kind is not None:
        areas = areas.filter(kind=kind)
    return list(areas.order_by("kind", "name"))


@dataclass(frozen=True)
class LocalityCounts:
    """Proof of locality for one petition: "2,312 of 2,500 from postcodes in the borough"."""

    area_name: str
    area_code: str
    total: int
    in_area: int
    unknown: int

    @property
    def out_of_area(self) -> int:
        return max(0, self.total - self.in_area - self.unknown)

    @property
    def in_area_percent(self) -> int:
        return self.in_area * 100 // self.total if self.total else 0


def eligible_area_get() -> Area | None:
    """The scheme's eligible area (from the scheme each process keeps for a few seconds)."""
    try:
        scheme = scheme_get_current()
    except NotFound:
        return None
    return scheme.eligible_area


def petition_locality(*, petition: Any, area: Area | None = None) -> LocalityCounts | None:
    """The petition's counts by locality, or None when the scheme names no eligible area."""
    area = area or eligible_area_get()
    if area is None:
        return None
    return LocalityCounts(
        area_name=area.name,
        area_code=area.code,
        total=petition.signature_count,
        in_area=petition.in_area_count,
        unknown=petition.unknown_area_count,
    )


@dataclass(frozen=True)
class AreaCount:
    name: str
    code: str
    kind: str
    representative: str
    signature_count: int
    boundary: dict[str, Any] | None = None


def petition_breakdown(*, petition_id: int, kind: str | None = None, within: Area | None = None) -> list[AreaCount]:
    """Counted signatures by area (of one kind, or lying in `within`), largest first."""
    rows = PetitionAreaCount.objects.filter(petition_id=petition_id, signature_count__gt=0)
    if kind is not None:
        rows = rows.filter(area__kind=kind)
    if within is not None:
        rows = rows.filter(area__parent=within)
    return [
        AreaCount(name=name, code=code, kind=area_kind, representative=rep, signature_count=n, boundary=boundary)
        for name, code, area_kind, rep, n, boundary in rows.order_by("-signature_count", "area__name").values_list(
            "area__name", "area__code", "area__kind", "area__representative", "signature_count", "area__boundary"
        )
    ]


@dataclass(frozen=True)
class MapArea:
    name: str
    code: str
    signature_count: int
    boundary: dict[str, Any]


def petition_map_areas(*, petition_id: int, within: Area) -> list[MapArea]:
    """Every area with a boundary inside `within` (e.g. the borough's wards), with counts (0 if none)."""
    counts = dict(
        PetitionAreaCount.objects.filter(petition_id=petition_id, area__parent=within).values_list(
            "area_id", "signature_count"
        )
    )
    return [
        MapArea(name=a.name, code=a.code, signature_count=counts.get(a.pk, 0), boundary=a.boundary)
        for a in Area.objects.filter(parent=within, boundary__isnull=False).order_by("name")
        if a.boundary
    ]


@dataclass(frozen=True)
class SeriesPoint:
    day: datetime.date
    signature_count: int
    cumulative: int


def petition_series(*, petition_id: int) -> list[SeriesPoint]:
    """Signatures counted per local day (from the hourly series), with the running total."""
    per_day: dict[datetime.date, int] = {}
    for hour, n in PetitionHourCount.objects.filter(petition_id=petition_id, signature_count__gt=0).values_list(
        "hour", "signature_count"
    ):
        day = timezone.localtime(hour).date()
        per_day[day] = per_day.get(day, 0) + n
    points: list[SeriesPoint] = []
    total = 0
    for day in sorted(per_day):
        total += per_day[day]
        points.append(SeriesPoint(day=day, signature_count=per_day[day], cumulative=total))
    return points


def petition_counted_recently(*, petition_id: int, now: datetime.datetime) -> int:
    """Signatures counted on the petition in the hour before this one began and in this
    hour so far (between one and two hours of it; UTC hours, from the hourly series)."""
    since = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=1)
    total = PetitionHourCount.objects.filter(petition_id=petition_id, hour__gte=since).aggregate(
        total=Sum("signature_count")
    )["total"]
    return int(total or 0)
