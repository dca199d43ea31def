"""Email-address entries of the allow and block lists lose their +tag on the providers that
deliver "name+tag@" to "name@" but keep dots (Outlook, Hotmail, Live, MSN, iCloud, Proton,
Fastmail).

Entries are stored in the form they are compared in (townhall/lists/rules.py), which is now
"ann@outlook.com" for "ann+spam@outlook.com". The lists already compare every entry in that
form when they are read, so this changes what staff see and what the uniqueness of entries
rests on, not whom they block or allow.

An entry whose new value would duplicate another entry of the same kind and action (the
same mailbox listed twice, under two tags, or with and without one) is LEFT AS IT WAS: it
matches exactly what the other matches, its note may say something the other's does not, and
staff can delete it; writing it would break the uniqueness of entries
(signer_list_entry_unique). Rows are taken oldest first.

The domain list is frozen here as it stood when this was written, and the rule (drop what
follows the first "+", unless nothing would be left) is written out, not imported: the
setting (PLUS_TAG_EMAIL_DOMAINS) and the function may change, and a migration must do the
same thing whenever it runs. Only email entries with a "+" on one of these domains are read,
a batch at a time by id. Nothing is undone when migrating backwards: the tag was never part
of what an entry matched.
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
    ListEntry = apps.get_model("lists", "ListEntry")
    left = 0
    candidates = ListEntry.objects.filter(Q(kind="email") & tagged("value"))
    for rows in batches(candidates, "action", "value"):
        for pk, action, value in rows:
            new = without_tag(value)
            if new is None:
                continue
            if ListEntry.objects.filter(kind="email", action=action, value=new).exists():
                left += 1
                continue
            ListEntry.objects.filter(pk=pk).update(value=new)
    if left:
        sys.stdout.write(
            f"\n  Email list entries without their +tag: {left} left as they were (the same mailbox is "
            "listed already; each matches what the other does)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0003_normalise_entries"),
    ]

    operations = [
        migrations.RunPython(drop_plus_tags, migrations.RunPython.noop),
    ]
