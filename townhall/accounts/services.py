"""Writes to staff accounts. The admin's user pages save through here, so every change of
roles is checked, audited, and — through the session hash — signs the account out."""

from __future__ import annotations

import datetime

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from townhall.accounts.models import Actor, User, roles_clean
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.mail.services import letters_requeue

# Never written into the audit log, even as a field name's value.
_SECRET_FIELDS = {"password", "password1", "password2"}


@transaction.atomic
def staff_account_save(*, account: User, changed_fields: list[str], actor: Actor) -> User:
    """An administrator adds or changes a staff account (its details, roles, active flag).

    Only a superuser may make or change a superuser. Roles must be a list of the named
    roles. The audit entry names the fields changed and, for roles, before and after.
    """
    actor = require(can_administer, actor, refusal=_("Only administrators can change staff accounts."))
    before = User.objects.select_for_update().filter(pk=account.pk).first() if account.pk else None
    was_superuser = before is not None and before.is_superuser
    if (was_superuser or account.is_superuser) and not actor.is_superuser:
        raise PermissionDeniedError(_("Only a superuser can make or change a superuser's account."))
    try:
        account.roles = roles_clean(account.roles)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="roles_invalid") from error
    account.save()
    data: dict[str, object] = {"fields": sorted(set(changed_fields) - _SECRET_FIELDS)}
    roles_before = list(before.roles) if before is not None else []
    if roles_before != account.roles:
        data["roles"] = {"before": roles_before, "after": account.roles}
    audit_record(
        action="staff.updated" if before is not None else "staff.added", target=account, actor=actor, data=data
    )
    return account


def letters_retry(*, actor: Actor, letter_ids: list[int] | None = None) -> int:
    """An administrator sends refused or failed letters again (the mail server was mended,
    or the address corrected at its source); `None` sends every failed letter again. Each
    is audited with the outcome it had. Returns how many were queued again."""
    actor = require(can_administer, actor, refusal=_("Only administrators can send letters again."))
    with transaction.atomic():
        letters = letters_requeue(letter_ids=letter_ids)
        for letter in letters:
            audit_record(
                action="letter.retried",
                target=letter,
                actor=actor,
                data={"was": letter.status, "last_error": letter.last_error},
            )
    return len(letters)


def session_forget_expired(now: datetime.datetime) -> int:
    """Delete every session past its expiry, as Django's `clearsessions` does: a session
    holds who is signed in and how far through the second factor they are. Only staff have
    sessions, and each expires SESSION_COOKIE_AGE (the staff session's absolute limit,
    STAFF_SESSION_MAX_SECONDS) after it was last saved; StaffSessionLimitsMiddleware ends
    most sooner."""
    deleted, _counts = Session.objects.filter(expire_date__lte=now).delete()
    return int(deleted)
