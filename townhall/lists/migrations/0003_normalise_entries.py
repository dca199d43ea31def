"""Existing entries are rewritten in the form they are now compared in.

Before this, entries were stored as typed and compared after little more than lower-casing,
so some never matched anything (a dotted gmail address, googlemail.com, "127",
"*.example.com"). Each row goes through the same rule a new entry does
(`townhall.lists.rules.list_value_clean`), with one leniency: an IP network with bits set
after its prefix (203.0.113.7/24) was applied as its whole network, so it is kept as that
network (203.0.113.0/24) rather than refused.

A row that could never have matched is removed, not kept: keeping it would change nothing
for residents but would leave staff believing someone is blocked (or allowed) when they are
not, and refusing to migrate would stop a deployment over a typing mistake. Where two rows
become the same entry, the older is kept (with both notes) and the other removed. Each
removal is written to the audit log (kind, action and why; never the value, which may be a
person's address) and printed for whoever runs the migration, so the entry can be typed
again correctly.

The rule is imported rather than copied: it is pure, and a migration that normalised
differently from the service would be the very mismatch this fixes.
"""

import sys

from django.db import migrations, models
from django.utils import timezone

from townhall.core.errors import DomainError
from townhall.lists.rules import list_value_clean


def normalise_entries(apps, schema_editor):
    ListEntry = apps.get_model("lists", "ListEntry")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    kept = {}

    def remove(entry, why):
        AuditEvent.objects.create(
            occurred_at=timezone.now(),
            action="list.removed_by_migration",
            target_type="lists.listentry",
            target_id=str(entry.pk),
            data={"kind": entry.kind, "action": entry.action, "why": why},
        )
        sys.stdout.write(f"\n  Removed {entry.action} list entry {entry.pk} ({entry.kind} “{entry.value}”): {why}")
        entry.delete()

    for entry in ListEntry.objects.order_by("created_at", "id"):
        try:
            value = list_value_clean(kind=entry.kind, value=entry.value, strict=False)
        except DomainError as error:
            remove(entry, error.message)
            continue
        first = kept.get((entry.kind, entry.action, value))
        if first is None:
            kept[(entry.kind, entry.action, value)] = entry
            continue
        if entry.note and entry.note not in first.note:
            first.note = "; ".join(note for note in (first.note, entry.note) if note)[:200]
            first.save(update_fields=["note"])
        remove(entry, f"the same entry as {first.pk}")
    # Rewritten only once every duplicate is gone, so no two rows are ever the same entry.
    for (_kind, _action, value), entry in kept.items():
        if value != entry.value:
            ListEntry.objects.filter(pk=entry.pk).update(value=value)


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0002_rename_table"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="listentry",
            options={
                "ordering": ["kind", "value"],
                "verbose_name": "allow or block list entry",
                "verbose_name_plural": "allow and block list entries",
            },
        ),
        migrations.AlterField(
            model_name="listentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("allow", "Allow (never rate-limited)"),
                    ("block", "Block (silently: nothing sent from it is kept, published or emailed)"),
                ],
                max_length=10,
                verbose_name="action",
            ),
        ),
        migrations.AlterField(
            model_name="listentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("ip", "IP address or network (CIDR)"),
                    ("email_domain", "Email domain (and its subdomains)"),
                    ("email", "Email address"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="listentry",
            name="value",
            field=models.CharField(
                help_text="An address such as name@example.com, a domain such as example.com (its subdomains are covered too), or an IP address or network such as 203.0.113.7 or 203.0.113.0/24.",
                max_length=254,
                verbose_name="value",
            ),
        ),
        migrations.RunPython(normalise_entries, migrations.RunPython.noop),
    ]
