"""Prepare a benchmark database: migrate, one body and scheme, one open petition.

Run by the harness as `python -m scripts.bench.setup_db` with DJANGO_SETTINGS_MODULE and
TOWNHALL_DATABASE_URL set. Prints one JSON line: {"petition_id": ..., "baseline": ...}.
Uses the same services as the product (no shortcuts into the tables).
"""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from townhall.accounts.models import Role, User
    from townhall.petitions.models import Petition
    from townhall.petitions.services import petition_confirm_creator, petition_create, petition_open
    from townhall.schemes.services import body_setup
    from townhall.signatures.models import Signature
    from townhall.signatures.services import signature_confirm, signature_count_new, signature_create

    call_command("migrate", interactive=False, verbosity=0)
    scheme = body_setup(
        name="Kingsmere Borough Council",
        area_name="the Borough of Kingsmere",
        population=300_600,
        preset="english-council",
    )
    moderator = User.objects.create_user(
        "bench-moderator", "moderator@bench.invalid", "bench-moderator-password", roles=[Role.MODERATOR.value]
    )
    petition = petition_create(
        action="Keep Kingsmere's libraries open on Sundays",
        background="A benchmark petition: many people sign it at once.",
        additional_details="",
        decision_maker="Cabinet Member for Culture",
        official_id=None,
        creator_name="Ann Creator",
        creator_email="creator@bench.invalid",
        creator_postcode="KM1 1AA",
    )
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for s in range(scheme.sponsor_count):
        outcome = signature_create(
            petition_id=petition.pk,
            name=f"Sponsor {s}",
            email=f"sponsor{s}@bench.invalid",
            postcode="KM2 2BB",
            declared_eligible=True,
            wants_updates=False,
            sponsor_token=petition.sponsor_token,
        )
        sponsor = Signature.objects.get(pk=outcome.signature_id)
        signature_confirm(signature_id=sponsor.pk, token=sponsor.token)
    petition_open(petition_id=petition.pk, actor=moderator)
    signature_count_new()
    baseline = Petition.objects.get(pk=petition.pk).signature_count
    connections.close_all()
    sys.stdout.write(json.dumps({"petition_id": petition.pk, "baseline": baseline}) + "\n")


if __name__ == "__main__":
    main()
