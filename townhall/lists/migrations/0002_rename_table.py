from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_initial"),
        ("signatures", "0006_list_entries_move_to_the_lists_app"),
    ]

    operations = [
        migrations.AlterModelTable(name="listentry", table=None),
    ]
