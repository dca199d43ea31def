from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo borough (idempotent: does nothing if a body already exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        from townhall.demo.loader import demo_load

        result = demo_load()
        self.stdout.write(result)
