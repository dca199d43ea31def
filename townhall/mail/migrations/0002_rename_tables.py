from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("mail", "0001_initial"),
        ("core", "0002_mail_tables_move_to_the_mail_app"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboxmessage", table=None),
        migrations.AlterModelTable(name="queuedemail", table=None),
    ]
