"""`manage.py backup` and `restore`: a backup taken online brings back every row after the
data is wiped: petitions, signatures, counts and their breakdowns, and the letters owed
and sent. The same test runs on SQLite and, marked `postgres`, on PostgreSQL; both use the
test database Django is connected to."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.builders import open_petition, sign
from townhall.accounts.models import User
from townhall.areas.models import PetitionAreaCount, PetitionHourCount
from townhall.core.backup import BackupError, postgres_tool
from townhall.mail.backends import OutboxBackend
from townhall.mail.models import OutboxMessage, QueuedEmail
from townhall.mail.services import Letter, queue_letters, send_queued_letters
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_count_new

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot() -> Snapshot:
    """Every row of every table Django knows, in primary-key order."""
    tables: Snapshot = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        columns = [field.attname for field in model._meta.concrete_fields]
        tables[model._meta.db_table] = list(model._base_manager.order_by("pk").values_list(*columns))
    return tables


def a_working_council(moderator: User) -> None:
    """Petitions with confirmed and unconfirmed signatures, counted, with breakdowns, and
    letters both queued and sent, and messages in the embedded outbox."""
    petition = open_petition(moderator=moderator)
    for n, postcode in enumerate(["KM1 1AA", "KM3 3DE", "KM3 3DF", "LS6 1AA"]):
        sign(petition, n, postcode=postcode)
    sign(petition, 90, confirm=False)
    open_petition(moderator=moderator, action="Light the towpath")
    signature_count_new()
    letters = [Letter(dedupe_key=f"test:{n}", to=f"r{n}@example.org", subject="S", body="B") for n in range(3)]
    queue_letters(letters, drain=False)
    send_queued_letters(limit=2)
    queue_letters([Letter(dedupe_key="test:late", to="late@example.org", subject="S", body="B")], drain=False)
    OutboxBackend().send_messages([EmailMessage("Hello", "Body", to=["x@example.org"])])


def backs_up_wipes_and_restores(tmp_path: Path, moderator: User) -> None:
    a_working_council(moderator)
    before = snapshot()
    # The world has what the test claims to cover.
    assert Petition.objects.filter(signature_count__gt=0).exists()
    assert PetitionAreaCount.objects.exists()
    assert PetitionHourCount.objects.exists()
    assert Signature.objects.filter(email_pending=True).exists()
    assert QueuedEmail.objects.filter(sent_at__isnull=True).exists()
    assert QueuedEmail.objects.filter(sent_at__isnull=False).exists()
    assert OutboxMessage.objects.exists()

    path = tmp_path / "townhall.backup"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert path.stat().st_size > 0
    assert "Backed up" in out.getvalue()
    assert "tables" in out.getvalue()

    call_command("flush", interactive=False, verbosity=0)
    assert not Petition.objects.exists()
    assert not Scheme.objects.exists()

    out = io.StringIO()
    call_command("restore", str(path), "--yes", stdout=out)
    assert "Restored" in out.getvalue()
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_keeps_every_row_on_sqlite(
    tmp_path: Path, scheme: Scheme, geography: None, moderator: User
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant")
    backs_up_wipes_and_restores(tmp_path, moderator)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_keeps_every_row_on_postgresql(
    tmp_path: Path, scheme: Scheme, geography: None, moderator: User
) -> None:
    backs_up_wipes_and_restores(tmp_path, moderator)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_without_yes_when_not_interactive(tmp_path: Path, scheme: Scheme, moderator: User) -> None:
    open_petition(moderator=moderator)
    path = tmp_path / "townhall.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    Petition.objects.update(action="Changed after the backup")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert Petition.objects.get().action == "Changed after the backup"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path, scheme: Scheme) -> None:
    path = tmp_path / "not-a-backup"
    path.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(CommandError):
        call_command("restore", str(path), "--yes", stdout=io.StringIO())
    assert Scheme.objects.get() == scheme


@pytest.mark.django_db
def test_backup_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "nowhere" / "townhall.backup"), stdout=io.StringIO())


def test_a_missing_postgresql_tool_is_refused_by_name(tmp_path: Path, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "POSTGRES_BIN_DIR": str(tmp_path)}
    with pytest.raises(BackupError, match="pg_dump was not found"):
        postgres_tool("pg_dump")
