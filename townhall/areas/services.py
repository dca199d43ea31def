"""Writes for areas: the postcode lookup, boundaries, and the petition breakdowns.

Breakdowns are written only by the counter (signatures app), in the same transaction as
the petition's count: one statement per (petition, area) and per (petition, hour)
touched, never one per signature. The reconciliation replaces them with a recount.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from townhall.areas.keys import lookup_key
from townhall.areas.models import Area, AreaKind, Location, PetitionAreaCount, PetitionHourCount, Postcode
from townhall.core.errors import DomainError
from townhall.schemes.models import Scheme

# --- Areas --------------------------------------------------------------------------


def area_upsert(
    *,
    code: str,
    kind: str,
    name: str = "",
    parent_code: str | None = None,
    boundary: dict[str, Any] | None = None,
    representative: str | None = None,
) -> Area:
    """Create or update an area by code. Empty values leave what is stored alone."""
    code = code.strip()
    if not code:
        raise DomainError("Every area needs a code.", code="area_code_blank")
    if kind not in AreaKind.values:
        raise DomainError(f"Unknown kind of area: {kind}.", code="area_kind_unknown")
    area, created = Area.objects.get_or_create(code=code, defaults={"name": name or code, "kind": kind})
    changed: list[str] = []
    if not created:
        if name and area.name != name:
            area.name, changed = name, [*changed, "name"]
        if area.kind != kind:
            area.kind, changed = kind, [*changed, "kind"]
    if parent_code:
        parent = Area.objects.filter(code=parent_code).first()
        if parent is None:
            raise DomainError(f"No area has the code {parent_code}.", code="area_parent_unknown")
        if area.parent_id != parent.pk:
            area.parent, changed = parent, [*changed, "parent"]
    if boundary is not None:
        area.boundary, changed = boundary, [*changed, "boundary"]
    if representative is not None and area.representative != representative:
        area.representative, changed = representative, [*changed, "representative"]
    if changed:
        area.save(update_fields=changed)
    return area


# --- The postcode lookup ---------------------------------------------------------------


@dataclass(frozen=True)
class PostcodeRow:
    """One postcode and the codes of the areas it lies in, by kind."""

    postcode: str
    areas: Mapping[str, str]


@dataclass
class ImportResult:
    postcodes: int = 0
    skipped: int = 0
    areas_created: int = 0
    locations: set[int] = field(default_factory=set)


class _Resolver:
    """Caches area ids by code and location ids by area set for one import."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        self.areas: dict[str, tuple[int, int | None]] = {
            code: (pk, parent) for code, pk, parent in Area.objects.values_list("code", "pk", "parent_id")
        }
        self.locations: dict[str, int] = dict(Location.objects.values_list("key", "pk"))
        self.parents: dict[int, int | None] = dict(self.areas.values())

    def area_id(self, code: str, kind: str, parent_code: str | None) -> int:
        known = self.areas.get(code)
        if known is not None:
            return known[0]
        parent_id = self.areas[parent_code][0] if parent_code and parent_code in self.areas else None
        area = Area.objects.create(code=code, name=code, kind=kind, parent_id=parent_id)
        self.areas[code] = (area.pk, parent_id)
        self.parents[area.pk] = parent_id
        self.result.areas_created += 1
        return area.pk

    def location_id(self, area_ids: Iterable[int]) -> int:
        closed: set[int] = set()
        for area_id in area_ids:
            current: int | None = area_id
            while current is not None and current not in closed:  # an area lies in its parents
                closed.add(current)
                current = self.parents.get(current)
        key = ",".join(str(pk) for pk in sorted(closed))
        known = self.locations.get(key)
        if known is not None:
            return known
        location = Location.objects.create(key=key)
        location.areas.set(sorted(closed))
        self.locations[key] = location.pk
        return location.pk


# Nesting used when an import names both: a ward lies in its local authority.
_PARENT_KIND = {AreaKind.WARD.value: AreaKind.LOCAL_AUTHORITY.value}


def postcode_import(*, rows: Iterable[PostcodeRow], batch_size: int = 5000) -> ImportResult:
    """Load postcode → area rows into the lookup, replacing earlier mappings of the same postcodes.

    Streams: at most `batch_size` rows are held at once, each batch in its own transaction.
    Areas named only by code are created with the code as their name (an area import or
    the admin names them). Rows whose postcode does not parse are skipped and counted.
    """
    result = ImportResult()
    resolver = _Resolver(result)
    batch: dict[str, int] = {}
    for row in rows:
        key = lookup_key(row.postcode)
        codes = {kind: code.strip() for kind, code in row.areas.items() if code and code.strip()}
        if key is None or not codes:
            result.skipped += 1
            continue
        area_ids = [
            resolver.area_id(code, kind, codes.get(_PARENT_KIND.get(kind, ""))) for kind, code in sorted(codes.items())
        ]
        batch[key] = resolver.location_id(area_ids)
        if len(batch) >= batch_size:
            _write_postcodes(batch, result)
            batch = {}
    if batch:
        _write_postcodes(batch, result)
    return result


def _write_postcodes(batch: dict[str, int], result: ImportResult) -> None:
    with transaction.atomic():
        Postcode.objects.bulk_create(
            [Postcode(code=code, location_id=location_id) for code, location_id in batch.items()],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["location"],
        )
    result.postcodes += len(batch)
    result.locations.update(batch.values())


def boundaries_import(
    *,
    features: Iterable[Mapping[str, Any]],
    kind: str,
    code_property: str,
    name_property: str,
    parent_code: str | None = None,
) -> int:
    """Create or update areas from GeoJSON features (code and name read from properties)."""
    imported = 0
    with transaction.atomic():
        for number, feature in enumerate(features, start=1):
            properties = feature.get("properties") or {}
            geometry = feature.get("geometry")
            code = str(properties.get(code_property) or "")
            if not code:
                raise DomainError(f"Feature {number} has no “{code_property}” property.", code="boundary_code_missing")
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                raise DomainError(f"Feature {number} ({code}) is not a polygon.", code="boundary_not_polygon")
            area_upsert(
                code=code,
                kind=kind,
                name=str(properties.get(name_property) or ""),
                parent_code=parent_code,
                boundary=geometry,
            )
            imported += 1
    return imported


def scheme_set_eligible_area(*, code: str) -> Scheme:
    """Name the scheme's eligible area (proof of locality counts signatures inside it)."""
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise DomainError(f"No area has the code {code}.", code="area_unknown")
    scheme = Scheme.objects.get()
    scheme.eligible_area = area
    scheme.save(update_fields=["eligible_area", "updated_at"])
    return scheme


# --- Breakdowns (the counter's side) ------------------------------------------------


@dataclass(frozen=True)
class Locality:
    """Counted signatures on one petition, split by where their postcodes are."""

    in_area: int = 0
    unknown: int = 0


def eligible_area_id() -> int | None:
    return Scheme.objects.values_list("eligible_area_id", flat=True).first()


def location_areas(location_ids: Iterable[int]) -> dict[int, set[int]]:
    """Area ids of each location: one read."""
    ids = sorted(set(location_ids))
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    if ids:
        through = Location.areas.through
        for location_id, area_id in through.objects.filter(location_id__in=ids).values_list("location_id", "area_id"):
            found[location_id].add(area_id)
    return found


def _split(
    located: Mapping[tuple[int, int | None], int],
) -> tuple[dict[int, Locality], dict[tuple[int, int], int]]:
    """Per petition: in-area and unknown counts; per (petition, area): counts."""
    areas_of = location_areas(loc for _, loc in located if loc is not None)
    eligible = eligible_area_id()
    locality: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_area: dict[tuple[int, int], int] = defaultdict(int)
    for (petition_id, location_id), n in located.items():
        if location_id is None:
            locality[petition_id][1] += n
            continue
        area_ids = areas_of.get(location_id, set())
        if eligible is not None and eligible in area_ids:
            locality[petition_id][0] += n
        for area_id in area_ids:
            by_area[(petition_id, area_id)] += n
    return {pid: Locality(in_area=v[0], unknown=v[1]) for pid, v in locality.items()}, dict(by_area)


def breakdown_add(
    *,
    located: Mapping[tuple[int, int | None], int],
    hours: Mapping[tuple[int, datetime.datetime], int],
) -> dict[int, Locality]:
    """Add newly counted signatures to the breakdowns. Returns each petition's locality delta.

    `located` counts signatures by (petition, location or None for an unknown postcode);
    `hours` by (petition, UTC hour confirmed). Runs inside the counter's transaction.
    """
    locality, by_area = _split(located)
    _increment(PetitionAreaCount, "area_id", by_area)
    _increment(PetitionHourCount, "hour", dict(hours))
    return locality


def breakdown_remove(
    *,
    located: Mapping[tuple[int, int | None], int],
    hours: Mapping[tuple[int, datetime.datetime], int],
) -> dict[int, Locality]:
    """Take counted signatures (withdrawn or invalidated) off the breakdowns."""
    locality, by_area = _split(located)
    _increment(PetitionAreaCount, "area_id", {k: -n for k, n in by_area.items()})
    _increment(PetitionHourCount, "hour", {k: -n for k, n in hours.items()})
    return locality


def _increment(model: Any, column: str, deltas: Mapping[tuple[int, Any], int]) -> None:
    """Ensure a row exists for each key (one INSERT), then one UPDATE per key touched.

    Both statements take the keys in one fixed order (petition, then area or hour). Two
    counters adding to the same breakdown rows at once then wait for each other instead of
    deadlocking: with the INSERT's rows in each batch's own order, one transaction could
    hold a new (petition, hour) index entry the other needed and the other way round.
    """
    ordered = sorted(((key, n) for key, n in deltas.items() if n), key=lambda item: (item[0][0], str(item[0][1])))
    if not ordered:
        return
    model.objects.bulk_create(
        [model(petition_id=pid, **{column: value}, signature_count=0) for (pid, value), _ in ordered],
        ignore_conflicts=True,
    )
    for (petition_id, value), n in ordered:
        model.objects.filter(petition_id=petition_id, **{column: value}).update(
            signature_count=F("signature_count") + n
        )


@dataclass(frozen=True)
class BreakdownFixes:
    areas: int
    hours: int


def breakdown_replace(
    *,
    located: Mapping[tuple[int, int | None], int],
    hours: Mapping[tuple[int, datetime.datetime], int],
) -> tuple[dict[int, Locality], BreakdownFixes]:
    """The reconciliation: make the stored breakdowns equal a recount of every petition.

    Rows that differ are corrected and rows with no signatures behind them removed.
    Returns the exact locality of every petition in the recount and how many rows changed.
    """
    locality, by_area = _split(located)
    area_fixes = _replace(PetitionAreaCount, "area_id", by_area)
    hour_fixes = _replace(PetitionHourCount, "hour", dict(hours))
    return locality, BreakdownFixes(areas=area_fixes, hours=hour_fixes)


def _replace(model: Any, column: str, exact: Mapping[tuple[int, Any], int]) -> int:
    stored = {
        (pid, value): (pk, n)
        for pk, pid, value, n in model.objects.values_list("pk", "petition_id", column, "signature_count")
    }
    fixes = 0
    with transaction.atomic():
        for key, (pk, n) in stored.items():
            want = exact.get(key, 0)
            if want == 0:
                model.objects.filter(pk=pk).delete()
                fixes += n != 0
            elif want != n:
                model.objects.filter(pk=pk).update(signature_count=want)
                fixes += 1
        missing = [key for key, n in exact.items() if key not in stored and n]
        model.objects.bulk_create(
            [model(petition_id=pid, **{column: value}, signature_count=exact[(pid, value)]) for pid, value in missing]
        )
        fixes += len(missing)
    return fixes
