from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from townhall.core.urls_helpers import absolute_url
from townhall.signatures.models import Signature, SignatureState


@dataclass(frozen=True)
class Subscriber:
    signature_id: int
    name: str
    email: str
    unsubscribe_url: str


def signature_iter_subscribers(
    *, petition_id: int, after_id: int = 0, batch_size: int = 500
) -> Iterator[list[Subscriber]]:
    """Confirmed signers of a petition who asked for updates, in id order, in batches.

    Keyset pagination (id > after) so a fan-out of 100,000 never holds them all at once.
    """
    last = after_id
    while True:
        rows = list(
            Signature.objects.filter(
                petition_id=petition_id, state=SignatureState.VERIFIED, wants_updates=True, pk__gt=last
            )
            .order_by("pk")
            .values_list("pk", "name", "email", "token")[:batch_size]
        )
        if not rows:
            return
        yield [
            Subscriber(
                signature_id=pk,
                name=name,
                email=email,
                unsubscribe_url=absolute_url("signatures:unsubscribe", kwargs={"pk": pk, "token": token}),
            )
            for pk, name, email, token in rows
        ]
        last = rows[-1][0]


def signature_emails_for(*, petition_id: int, sponsors_only: bool = False) -> list[str]:
    """Addresses of a petition's confirmed signers (or sponsors), for decision notices."""
    signatures = Signature.objects.filter(petition_id=petition_id, state=SignatureState.VERIFIED)
    if sponsors_only:
        signatures = signatures.filter(is_sponsor=True)
    return list(signatures.values_list("email", flat=True))
