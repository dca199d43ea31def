"""Stored questions' canonical asker addresses lose their +tag on the providers that deliver
"name+tag@" to "name@" but keep dots (Outlook, Hotmail, Live, MSN, iCloud, Proton, Fastmail).

The per-meeting allowance counts questions by that form (`question_ask`), so before this one
mailbox could ask once per tag. New questions are now stored as "ann@outlook.com"
(`canonical_email`, townhall/core/text.py); this rewrites the ones already stored, so a
mailbox's earlier questions for a meeting still open count against its allowance. There is no
uniqueness to collide with: every question is rewritten.

The domain list is frozen here as it stood when this was written, and the rule (drop what
follows the first "+", unless nothing would be left) is written out, not imported: the
setting (PLUS_TAG_EMAIL_DOMAINS) and the function may change, and a migration must do the
same thing whenever it runs. Only rows whose stored form has a "+" on one of these domains
are read, a batch at a time by id. Askers already forgotten (an empty form) are never read.
Nothing is undone when migrating backwards: the address as typed (asker_email) is kept.
"""

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
    Question = apps.get_model("questions", "Question")
    for rows in batches(Question.objects.filter(tagged("asker_email_canonical")), "asker_email_canonical"):
        for pk, canonical in rows:
            new = without_tag(canonical)
            if new is not None:
                Question.objects.filter(pk=pk).update(asker_email_canonical=new)


class Migration(migrations.Migration):

    dependencies = [
        ("questions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_plus_tags, migrations.RunPython.noop),
    ]
