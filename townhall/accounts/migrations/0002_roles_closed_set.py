"""Staff roles become a closed set (RolesField).

Existing values are rewritten as the field now stores them: a list of known role names,
once each, sorted. Anything else is read the way the old code could be fooled into
reading it only if it grants nothing: a list keeps its exact role names and drops the
rest; a bare string that is exactly one role name becomes that role; any other string
(e.g. "not an administrator", which the old substring test read as an administrator) or
value becomes no roles. Each account whose roles changed is printed, so whoever runs the
migration can grant again what was meant.
"""

from typing import Any

from django.db import migrations

import townhall.accounts.models

KNOWN = ("administrator", "clerk", "moderator", "responder")


def _normalised(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value in KNOWN else []
    if isinstance(value, list):
        return sorted({role for role in value if isinstance(role, str) and role in KNOWN})
    return []


def normalise_roles(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    for user_id, username, roles in User.objects.values_list("pk", "username", "roles"):
        cleaned = _normalised(roles)
        if cleaned != roles:
            print(f"\n  Staff account {username!r}: roles {roles!r} are now {cleaned!r}.", end="")
            User.objects.filter(pk=user_id).update(roles=cleaned)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        # The old field reads and writes the old values as they are; the new one would
        # refuse to read them back for the update.
        migrations.RunPython(normalise_roles, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="roles",
            field=townhall.accounts.models.RolesField(
                blank=True, default=list, help_text="Staff roles held.", verbose_name="roles"
            ),
        ),
    ]
