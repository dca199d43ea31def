from __future__ import annotations

from townhall.core.errors import NotFound
from townhall.schemes.models import Scheme


def scheme_get_current() -> Scheme:
    """The body's scheme with its body and thresholds (two queries)."""
    scheme = Scheme.objects.select_related("body").prefetch_related("thresholds").first()
    if scheme is None:
        raise NotFound("This site has not been set up yet: an administrator must create the body and its scheme.")
    return scheme
