"""The attack laboratory: replay named scenarios of people and bots through the real signing
services under a controlled clock, and print what the fraud controls did with each.

    make attack-lab                                   # every scenario, full size (SQLite)
    make attack-lab LAB_ARGS="--scenario office-nat --scale 0.2"
    make attack-lab LAB_ARGS="--database-url postgres://postgres@127.0.0.1:5432/townhall_lab"

Each run uses a fresh database (a throwaway SQLite file unless a PostgreSQL URL is given; that
database is dropped and created anew, so never point it at one you keep). Scenarios and their
assumptions: scripts/attack_lab/scenarios.py and populations.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.attack_lab")
    parser.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--scale", type=float, default=1.0, help="population sizes times this (default 1)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to create and drop (default: SQLite)")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="townhall-lab-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["TOWNHALL_DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/lab.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from scripts.attack_lab.report import table
    from scripts.attack_lab.run import lab_settings, run_scenario
    from scripts.attack_lab.scenarios import SCENARIOS, scenario_named

    if connection.vendor == "postgresql":
        _recreate_postgres(connection.settings_dict)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    chosen = [scenario_named(name) for name in args.scenario] if args.scenario else list(SCENARIOS)
    results = []
    for scenario in chosen:
        sys.stderr.write(f"running {scenario.name}: {scenario.summary} (scale {args.scale})\n")
        results.append(run_scenario(scenario, scale=args.scale, seed=args.seed))
    sys.stdout.write(f"attack laboratory on {connection.vendor}, scale {args.scale}, seed {args.seed}\n")
    sys.stdout.write(f"settings: {lab_settings()}\n\n")
    sys.stdout.write(table(results) + "\n")
    return 0


def _recreate_postgres(settings_dict: dict[str, object]) -> None:
    import psycopg

    name = str(settings_dict["NAME"])
    if name in {"townhall", "postgres", "template1"}:
        raise SystemExit(f"refusing to drop the database {name!r}: give the laboratory its own")
    with psycopg.connect(
        host=str(settings_dict["HOST"] or "127.0.0.1"),
        port=int(str(settings_dict["PORT"] or 5432)),
        user=str(settings_dict["USER"] or "postgres"),
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    raise SystemExit(main())
