from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from townhall.core.backup import BackupError, BackupReport, database_backup


def describe(report: BackupReport) -> str:
    """One line saying what a backup or restore did."""
    return _("%(engine)s, %(path)s: %(size)s bytes, %(tables)s tables, %(seconds).1f seconds.") % {
        "engine": report.engine,
        "path": report.path,
        "size": f"{report.size_bytes:,}",
        "tables": report.tables,
        "seconds": report.seconds,
    }


class Command(BaseCommand):
    help = "Back up the whole database to a file, online (docs/operations.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="The backup file to write (replaced if it exists).")
        parser.add_argument("--database", default="default", help="Which of DATABASES (default: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = database_backup(path=options["path"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backed up: %(what)s") % {"what": describe(report)})
