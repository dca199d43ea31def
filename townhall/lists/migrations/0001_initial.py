# The allow and block lists move from the signatures app (SignerListEntry) to the lists app
# (ListEntry): state only here, so every row is kept; 0002 renames the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("signatures", "0005_drop_lone_petition_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ListEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("ip", "IP address or range (CIDR)"),
                                    ("email_domain", "Email domain"),
                                    ("email", "Email address"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("allow", "Allow (never rate-limited)"),
                                    ("block", "Block (signatures silently become fraudulent)"),
                                ],
                                max_length=10,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "value",
                            models.CharField(
                                help_text="e.g. 203.0.113.0/24, example.com", max_length=254, verbose_name="value"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "ordering": ["kind", "value"],
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "action", "value"), name="signer_list_entry_unique")
                        ],
                        "db_table": "signatures_signerlistentry",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
