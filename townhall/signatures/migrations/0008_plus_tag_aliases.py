"""Stored signatures' canonical addresses lose their +tag on the providers that deliver
"name+tag@" to "name@" but keep dots (Outlook, Hotmail, Live, MSN, iCloud, Proton, Fastmail).

Before this, "ann+1@outlook.com" and "ann+2@outlook.com" were two mailboxes, so one person
could sign a petition once per tag. New signatures are now stored as "ann@outlook.com"
(`canonical_email`, townhall/core/text.py); this rewrites the ones already stored the same
way, so the mailbox signing again under any tag finds its signature and is answered
"already signed".

The domain list is frozen here as it stood when this was written, and the rule (drop what
follows the first "+", unless nothing would be left) is written out, not imported: the
setting (PLUS_TAG_EMAIL_DOMAINS) and the function may change, and a migration must do the
same thing whenever it runs. Only rows whose stored form has a "+" on one of these domains
are read, a batch at a time by id.

A row whose new form is already taken on its petition and household slot is LEFT AS IT WAS
(the unique constraint signature_one_per_mailbox_slot forbids writing it): one mailbox
signed twice under two tags, or with and without one, before the rule existed. Each
signature was accepted and counted under the rules of its day, and merging or removing it
now would change a published count behind its signer's back. Rows are taken oldest first,
so the earliest tagged one takes the new form when no untagged one has it; either way the
mailbox signing again finds that row.

Nothing is undone when migrating backwards: the address as typed (Signature.email) is kept,
and the tagged forms only let one mailbox sign more than once.
"""

import sys

from django.db import migrations
from django.db.models import Q

# PLUS_TAG_EMAIL_DOMAINS when this was written: do not edit.
PLUS_TAG_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
    }
)
BATCH = 1000


def without_tag(canonical):
    """The stored canonical form without its +tag, or None when it has none to lose."""
    local, at, domain = canonical.rpartition("@")
    if not at or domain not in PLUS_TAG_DOMAINS or "+" not in local:
        return None
    base = local.split("+", 1)[0]
    return f"{base}@{domain}" if base else None


def tagged(field):
    """Rows whose `field` may hold a +tag on one of the domains (`without_tag` decides)."""
    on_domains = Q()
    for domain in sorted(PLUS_TAG_DOMAINS):
        on_domains |= Q(**{f"{field}__endswith": "@" + domain})
    return Q(**{f"{field}__contains": "+"}) & on_domains


def batches(queryset, *fields):
    """(id, *fields) rows, a batch at a time in id order, each batch read afresh (rows are
    written between batches, so no cursor is held open across writes)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def drop_plus_tags(apps, schema_editor):
    Signature = apps.get_model("signatures", "Signature")
    rewritten = left = 0
    candidates = Signature.objects.filter(tagged("email_canonical"))
    for rows in batches(candidates, "petition_id", "household_slot", "email_canonical"):
        for pk, petition_id, slot, canonical in rows:
            new = without_tag(canonical)
            if new is None:
                continue
            taken = Signature.objects.filter(petition_id=petition_id, household_slot=slot, email_canonical=new)
            if taken.exists():
                left += 1
                continue
            Signature.objects.filter(pk=pk).update(email_canonical=new)
            rewritten += 1
    if rewritten or left:
        sys.stdout.write(
            f"\n  Signatures without their +tag: {rewritten} rewritten, {left} left as they were (their "
            "mailbox had signed the same petition under another form)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("signatures", "0007_holds"),
    ]

    operations = [
        migrations.RunPython(drop_plus_tags, migrations.RunPython.noop),
    ]
