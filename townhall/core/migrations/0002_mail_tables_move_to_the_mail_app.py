# OutboxMessage and QueuedEmail now belong to the mail app (its 0001 takes them over; the
# tables stay where they are until mail's 0002 renames them).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("mail", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="OutboxMessage"),
                migrations.DeleteModel(name="QueuedEmail"),
            ],
            database_operations=[],
        ),
    ]
