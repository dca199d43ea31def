"""Exports: the public petitions CSV, and staff schedules of signatories (CSV, PDF)."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.world import CREATOR, SECRETS, SIGNER, World
from tests.builders import staff
from townhall.accounts.models import Role, User
from townhall.api import exports
from townhall.core.exports import csv_cell
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.selectors import signature_has_area

# The CSV export of 100,000 signatures must stream in less than this (tracemalloc peak).
CSV_PEAK_BOUND = 4 * 1024 * 1024


def rows_of(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_petitions_csv_is_public_and_has_no_personal_data(client: Client, world: World) -> None:
    response = client.get("/petitions.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(response)
    header = rows[0]
    assert header == [
        "id",
        "action",
        "state",
        "decision_maker",
        "signature_count",
        "created_at",
        "opened_at",
        "deadline_at",
        "closed_at",
        "rejected_at",
        "rejection_reason",
        "response_published_at",
        "debate_outcome_at",
        "url",
    ]
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {world.responded.pk, world.other_open.pk, world.hidden.pk}
    responded = by_id[world.responded.pk]
    assert responded["action"] == "Reopen the public toilets on Kingsmere Road"
    assert responded["signature_count"] == "1200"
    assert responded["opened_at"] == "2026-02-02T10:00:00Z"
    assert responded["response_published_at"] == "2026-02-05T10:00:00Z"
    assert responded["url"] == f"http://testserver/petitions/{world.responded.pk}/"
    assert by_id[world.hidden.pk]["action"] == ""
    assert by_id[world.hidden.pk]["rejection_reason"] == "libellous"
    text = "\n".join(",".join(row) for row in rows)
    for secret in [*SECRETS, CREATOR["name"]]:
        assert secret not in text


def test_csv_cells_never_become_formulas() -> None:
    assert csv_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert csv_cell("+44 20") == "'+44 20"
    assert csv_cell("Plain") == "Plain"
    assert csv_cell(None) == ""


@pytest.mark.parametrize("suffix", ["csv", "pdf"])
def test_schedule_needs_login(client: Client, world: World, suffix: str) -> None:
    url = f"/petitions/{world.responded.pk}/signatories.{suffix}"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("roles", [[], [Role.RESPONDER.value], [Role.CLERK.value]])
@pytest.mark.parametrize("suffix", ["csv", "pdf"])
def test_schedule_refused_to_other_staff(client: Client, world: World, roles: list[str], suffix: str) -> None:
    staff("someone", *roles)
    client.login(username="someone", password="correct-horse-battery")
    response = client.get(f"/petitions/{world.responded.pk}/signatories.{suffix}")
    assert response.status_code == 403
    assert SIGNER["name"].encode() not in response.content


def test_schedule_csv_for_moderators(client: Client, world: World, moderator: User) -> None:
    client.force_login(moderator)
    response = client.get(f"/petitions/{world.responded.pk}/signatories.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    area = ["area"] if signature_has_area() else []
    assert rows[0] == ["number", "name", "postcode", *area, "confirmed_at"]
    # Five sponsors, then the signer; only confirmed signatures, in confirmation order.
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    last = rows[-1]
    assert (last[1], last[2]) == (SIGNER["name"], SIGNER["postcode"])
    assert last[-1] == "2026-02-02T10:00:00Z"
    assert SIGNER["email"] not in "\n".join(",".join(row) for row in rows)


def _pdf_text(document: bytes) -> str:
    """The text drawn on the pages (fpdf2 compresses each page's content stream)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.DOTALL)
    text = []
    for stream in streams:
        try:
            text.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(text)


def test_schedule_pdf_for_administrators(client: Client, world: World) -> None:
    admin = staff("admin2", Role.ADMINISTRATOR, email="a2@example.org")
    client.force_login(admin)
    response = client.get(f"/petitions/{world.responded.pk}/signatories.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    document = b"".join(response.streaming_content)
    assert document.startswith(b"%PDF-")
    assert len(document) == int(response["Content-Length"])
    text = _pdf_text(document)
    assert f"({SIGNER['name']})" in text
    assert f"({SIGNER['postcode']})" in text
    assert "Schedule of signatories: petition" in text
    assert "6 confirmed signatures" in text


def test_pdf_keeps_names_outside_latin1() -> None:
    assert exports._latin1("Zoë Łukasz Ng") == "Zoë ?ukasz Ng"
    assert exports._latin1("Dvořák") == "Dvorák"


def _bulk_signatures(petition: Petition, n: int) -> None:
    version = petition.current_version
    assert version is not None
    now = timezone.now()
    batch = []
    for i in range(n):
        batch.append(
            Signature(
                petition=petition,
                petition_version=version,
                name=f"Signer Number {i:06d}",
                email=f"signer{i}@example.org",
                email_canonical=f"signer{i}@example.org",
                postcode="KM1 1AA",
                state=SignatureState.VERIFIED,
                token="t",
                created_at=now,
                link_expires_at=now,
                verified_at=now,
                email_pending=False,
            )
        )
        if len(batch) == 5000:
            Signature.objects.bulk_create(batch)
            batch = []
    Signature.objects.bulk_create(batch)


def test_schedule_csv_of_100000_signatures_streams_in_bounded_memory(
    client: Client, world: World, moderator: User, capsys: pytest.CaptureFixture[str]
) -> None:
    petition = world.other_open
    _bulk_signatures(petition, 100_000)
    client.force_login(moderator)
    tracemalloc.start()
    try:
        response = client.get(f"/petitions/{petition.pk}/signatories.csv")
        rows = total = 0
        for chunk in response.streaming_content:
            total += len(chunk)
            rows += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Header, five sponsors and 100,000 bulk signatures.
    assert rows == 1 + 5 + 100_000
    with capsys.disabled():
        print(f"\n100,000-signature CSV: {total:,} bytes streamed, tracemalloc peak {peak / 1024 / 1024:.2f} MiB")
    assert peak < CSV_PEAK_BOUND
    # Streaming, not materialising: the peak is a small fraction of the file itself.
    assert peak < total / 2
