"""Import area boundaries (for the petition page's map) from a GeoJSON FeatureCollection."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from townhall.areas.models import AreaKind
from townhall.areas.services import boundaries_import
from townhall.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create or update areas with boundaries from a GeoJSON FeatureCollection of Polygons or "
        "MultiPolygons in longitude/latitude (e.g. ONS ward boundaries: --code-property WD24CD "
        "--name-property WD24NM)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("geojson", help="Path to the GeoJSON file.")
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument("--code-property", default="code")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--parent", help="Code of the area these areas lie in (e.g. the borough).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["geojson"], encoding="utf-8") as source:
                collection = json.load(source)
        except (OSError, ValueError) as error:
            raise CommandError(f"Could not read {options['geojson']}: {error}") from error
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            raise CommandError("The file is not a GeoJSON FeatureCollection.")
        try:
            count = boundaries_import(
                features=collection.get("features") or [],
                kind=options["kind"],
                code_property=options["code_property"],
                name_property=options["name_property"],
                parent_code=options["parent"],
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Imported {count:,} boundaries.")
