"""`{{ record.token|for_purpose:"update" }}`: the token a link for that purpose carries
(core.tokens.link_token), for pages that offer a record's holder its other actions."""

from __future__ import annotations

from django import template

from townhall.core.tokens import link_token

register = template.Library()


@register.filter
def for_purpose(stored_token: str, purpose: str) -> str:
    return link_token(stored_token, purpose)
