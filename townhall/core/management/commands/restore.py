from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from townhall.core.backup import BackupError, database_restore
from townhall.core.management.commands.backup import describe


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. Stop the web "
        "server, task worker and scheduler first (docs/operations.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="The backup file to restore.")
        parser.add_argument("--database", default="default", help="Which of DATABASES (default: default).")
        parser.add_argument("--yes", action="store_true", help="Replace the data without asking.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not options["yes"]:
            warning = _("This replaces every row in the database with the backup %(path)s.") % {"path": path}
            if not sys.stdin.isatty():
                raise CommandError(_("%(warning)s Run again with --yes to go ahead.") % {"warning": warning})
            answer = input(_("%(warning)s Type yes to go ahead: ") % {"warning": warning})
            if answer.strip().lower() != "yes":
                raise CommandError(_("Nothing was restored."))
        try:
            report = database_restore(path=path, using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Restored: %(what)s") % {"what": describe(report)})
