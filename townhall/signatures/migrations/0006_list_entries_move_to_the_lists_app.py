# SignerListEntry now belongs to the lists app as ListEntry (its 0001 takes the table over;
# its 0002 renames it).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("signatures", "0005_drop_lone_petition_index"),
        ("lists", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SignerListEntry")],
            database_operations=[],
        ),
    ]
