"""Administrators change the allow and block lists: checked, normalised, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from townhall.accounts.models import Actor
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError
from townhall.lists.models import ListEntry
from townhall.lists.rules import limit_factor_clean, list_note_clean, list_value_clean
from townhall.lists.selectors import forget_lists

ONLY_ADMINISTRATORS = "Only administrators can change the allow and block lists."


@transaction.atomic
def list_entry_save(*, entry: ListEntry, actor: Actor) -> ListEntry:
    """An administrator adds or edits an entry. Its value is stored in the form it is
    compared in, or refused with the reason it could never match. It applies to the next
    resident in this process at once, and in every other within the lists' lifetime."""
    actor = require(can_administer, actor, refusal=ONLY_ADMINISTRATORS)
    created = entry.pk is None
    entry.limit_factor = limit_factor_clean(kind=entry.kind, action=entry.action, factor=entry.limit_factor)
    entry.value = list_value_clean(kind=entry.kind, value=entry.value)
    entry.note = list_note_clean(entry.note)
    same = ListEntry.objects.filter(kind=entry.kind, action=entry.action, value=entry.value)
    if same.exclude(pk=entry.pk).exists():
        raise DomainError(_("“%(value)s” is already on this list.") % {"value": entry.value}, code="list_duplicate")
    entry.save()
    audit_record(
        action="signer_list.added" if created else "signer_list.updated",
        target=entry,
        actor=actor,
        data={"kind": entry.kind, "action": entry.action, "limit_factor": entry.limit_factor},
    )
    transaction.on_commit(forget_lists)
    return entry


@transaction.atomic
def list_entry_delete(*, entry_id: int, actor: Actor) -> None:
    actor = require(can_administer, actor, refusal=ONLY_ADMINISTRATORS)
    entry = ListEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return
    audit_record(action="signer_list.removed", target=entry, actor=actor, data={"kind": entry.kind})
    entry.delete()
    transaction.on_commit(forget_lists)
