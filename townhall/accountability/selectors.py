"""Officials' public pages and records."""

from __future__ import annotations

from townhall.core.errors import NotFound
from townhall.officials.models import Person


def person_get_public(*, slug: str) -> Person:
    person = Person.objects.prefetch_related("tenures").filter(slug=slug).first()
    if person is None:
        raise NotFound("There is no official with that name on this site.")
    return person
