from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from townhall.areas.models import Area, AreaKind
from townhall.core.links import absolute_url
from townhall.core.tokens import link_token
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
                unsubscribe_url=absolute_url(
                    "signatures:unsubscribe", kwargs={"pk": pk, "token": link_token(token, "unsubscribe")}
                ),
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


def signature_has_area() -> bool:
    """The schedule prints each signatory's ward (or, outside the wards we know, their
    local authority) from the location their postcode was tagged with at confirmation."""
    return True


def _area_name(kind: str) -> Subquery:
    return Subquery(Area.objects.filter(locations=OuterRef("location"), kind=kind).order_by("name").values("name")[:1])


def signature_iter_schedule_for_staff(*, petition_id: int, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The confirmed signatories of one petition in the order they confirmed, as tuples
    (name, postcode, area name, verified_at), streamed in chunks of `chunk_size` rows.

    Personal data: staff only (moderators and administrators), for formal delivery of the
    petition to the body. Anonymised signatures come out with blank names and postcodes;
    an unrecognised postcode has a blank area.
    """
    rows = (
        Signature.objects.filter(petition_id=petition_id, state=SignatureState.VERIFIED)
        .annotate(area_name=Coalesce(_area_name(AreaKind.WARD), _area_name(AreaKind.LOCAL_AUTHORITY), Value("")))
        .order_by("verified_at", "id")
        .values_list("name", "postcode", "area_name", "verified_at")
    )
    return rows.iterator(chunk_size=chunk_size)


def signature_count_schedule_for_staff(*, petition_id: int) -> int:
    return Signature.objects.filter(petition_id=petition_id, state=SignatureState.VERIFIED).count()
