"""Create or update areas (codes, names, kinds, parents, representatives) from a CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from townhall.areas.services import area_upsert, scheme_set_eligible_area
from townhall.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create or update areas from a CSV with columns code, name, kind (local_authority, ward, "
        "constituency, region, country, other) and optionally parent_code and representative. "
        "Parents must come before their children. --eligible CODE names the scheme's area."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("csv", nargs="?", help="Path to the CSV.")
        parser.add_argument("--eligible", help="Code of the area whose postcodes count as in the area.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        try:
            with transaction.atomic():
                if options["csv"]:
                    with open(options["csv"], newline="", encoding="utf-8-sig") as lines:
                        for number, record in enumerate(csv.DictReader(lines), start=2):
                            try:
                                area_upsert(
                                    code=record.get("code", ""),
                                    name=record.get("name", ""),
                                    kind=record.get("kind", ""),
                                    parent_code=record.get("parent_code") or None,
                                    representative=record.get("representative"),
                                )
                            except DomainError as error:
                                raise CommandError(f"Line {number}: {error}") from error
                            count += 1
                if options["eligible"]:
                    scheme_set_eligible_area(code=options["eligible"])
        except OSError as error:
            raise CommandError(str(error)) from error
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Imported {count:,} areas.")
