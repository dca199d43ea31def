"""Unguessable tokens for links sent by email, and the one way a link opens its record.

A record stores one random token, which its main link carries (a signature's confirm
link, a question's confirm link). Any other action on the same record has a link of its
own whose token is derived from the stored one for that purpose (`link_token`): a keyed
hash that cannot be worked back, so holding one link (say a confirm link left in a
browser's history or shared by mistake) opens nothing else.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import NotFound


def new_token() -> str:
    """A 32-character URL-safe random token (192 bits)."""
    return secrets.token_urlsafe(24)


def tokens_match(given: str, expected: str) -> bool:
    """Compare in constant time so response timing reveals nothing about the token."""
    return hmac.compare_digest(given.encode(), expected.encode())


def link_token(secret: str, purpose: str) -> str:
    """The token a link for `purpose` (e.g. "withdraw") carries, derived from the record's
    stored token `secret`. Empty when the record has no token (anonymised)."""
    return next(_link_tokens(secret, purpose))


def _link_tokens(secret: str, purpose: str) -> Iterator[str]:
    """The token for the current secret key, then for each older key still accepted
    (SECRET_KEY_FALLBACKS), so rotating the key does not break links already emailed."""
    for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if not secret:
            yield ""
            continue
        digest = salted_hmac(f"townhall.link.{purpose}", secret, secret=key, algorithm="sha256").digest()
        yield base64.urlsafe_b64encode(digest[:24]).decode()


LINK_NOT_VALID = _("This link is not valid. Check you copied the whole link from the email.")


def get_by_token[M: Model](
    queryset: QuerySet[M],
    *,
    pk: int,
    token: str,
    field: str = "token",
    purpose: str | None = None,
    message: str | Promise = LINK_NOT_VALID,
) -> M:
    """The record an emailed link points at: found by id, and opened only by its token.

    A missing record and a wrong token get the same answer (NotFound, code `bad_token`), so
    a link reveals nothing about which records exist. A record whose token has been cleared
    (anonymised) opens for no token at all. Pass a locked queryset (`select_for_update()`)
    when the caller goes on to change the record. With `purpose`, the link must carry the
    token derived for that purpose (`link_token`), and the stored token itself is refused.
    """
    record = queryset.filter(pk=pk).first()
    stored = getattr(record, field, "") if record is not None else ""
    accepted = [stored] if purpose is None else list(_link_tokens(stored, purpose))
    if record is None or not stored or not any(tokens_match(token, expected) for expected in accepted):
        raise NotFound(str(message), code="bad_token")
    return record
