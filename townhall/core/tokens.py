"""Unguessable tokens for links sent by email, and the one way a link opens its record."""

from __future__ import annotations

import hmac
import secrets

from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import NotFound


def new_token() -> str:
    """A 32-character URL-safe random token (192 bits)."""
    return secrets.token_urlsafe(24)


def tokens_match(given: str, expected: str) -> bool:
    """Compare in constant time so response timing reveals nothing about the token."""
    return hmac.compare_digest(given.encode(), expected.encode())


LINK_NOT_VALID = _("This link is not valid. Check you copied the whole link from the email.")


def get_by_token[M: Model](
    queryset: QuerySet[M], *, pk: int, token: str, field: str = "token", message: str | Promise = LINK_NOT_VALID
) -> M:
    """The record an emailed link points at: found by id, and opened only by its token.

    A missing record and a wrong token get the same answer (NotFound, code `bad_token`), so
    a link reveals nothing about which records exist. A record whose token has been cleared
    (anonymised) opens for no token at all. Pass a locked queryset (`select_for_update()`)
    when the caller goes on to change the record.
    """
    record = queryset.filter(pk=pk).first()
    expected = getattr(record, field, "") if record is not None else ""
    if record is None or not expected or not tokens_match(token, expected):
        raise NotFound(str(message), code="bad_token")
    return record
