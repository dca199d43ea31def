"""Print the access matrix (townhall/accounts/access.py), or write it into docs/permissions.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from townhall.accounts.access import render_matrix

START = "<!-- access matrix: rendered by `manage.py access_matrix --write`; do not edit by hand -->\n"
END = "<!-- end of access matrix -->\n"


def docs_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "permissions.md"


def with_matrix(document: str) -> str:
    """`document` with the text between the markers replaced by the current matrix."""
    before, _, rest = document.partition(START)
    _, _, after = rest.partition(END)
    return before + START + render_matrix() + END + after


class Command(BaseCommand):
    help = "Print the access matrix, or write it into docs/permissions.md (--write)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="Update docs/permissions.md in place.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["write"]:
            self.stdout.write(render_matrix(), ending="")
            return
        path = docs_path()
        path.write_text(with_matrix(path.read_text()))
        self.stdout.write(f"Wrote the access matrix into {path}.")
