"""Invalidation by criteria: preview, background run with progress, exact counts after,
thresholds re-evaluated, an audit entry, and the public 'N signatures removed'."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import INTEGRITY_NOW, open_petition, sign
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.integrity.models import Invalidation, InvalidationState
from townhall.integrity.services import Criteria, invalidation_preview, invalidation_request, invalidation_run
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        return open_petition(moderator=moderator)


@pytest.fixture
def signed(petition: Petition, settings: Any) -> Petition:
    """5 sponsors, 8 honest signers, 6 from one network on a throwaway domain (4 counted, 2 not yet)."""
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_NETWORK": (100, 60), "SIGN_RATE_BURST": (100, 60)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        for n in range(8):
            sign(petition, n, ip=f"198.51.{n}.10", email=f"person{n}@example.org", postcode="KM2 2AB")
        for n in range(4):
            sign(petition, 100 + n, ip=f"203.0.113.{n + 1}", email=f"bot{n}@throwaway.example", postcode="KM1 1AA")
        signature_count_new()
        for n in range(2):
            sign(petition, 200 + n, ip=f"203.0.113.{n + 50}", email=f"late{n}@throwaway.example", postcode="KM1 1AA")
    petition.refresh_from_db()
    assert petition.signature_count == 5 + 8 + 4
    return petition


def test_preview_counts_matches_for_each_criterion(signed: Petition) -> None:
    assert invalidation_preview(criteria=Criteria(petition_id=signed.pk, cidr="203.0.113.0/24")) == 6
    assert invalidation_preview(criteria=Criteria(domain="throwaway.example")) == 6
    assert invalidation_preview(criteria=Criteria(email_pattern="bot*@throwaway.example")) == 4
    assert invalidation_preview(criteria=Criteria(ip="203.0.113.1")) == 1
    assert invalidation_preview(criteria=Criteria(postcode="KM2")) == 8 + 5  # the sponsors live in KM2 too
    assert invalidation_preview(criteria=Criteria(postcode="KM2 2AB")) == 8
    # Local (London) times, as staff type them: 10:00-12:00 BST is 09:00-11:00 UTC.
    window = Criteria(petition_id=signed.pk, since="2026-05-04 10:00", until="2026-05-04 12:00")
    assert invalidation_preview(criteria=window) == 8 + 6
    assert invalidation_preview(criteria=Criteria(cidr="203.0.112.0/22")) == 6


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        (Criteria(), "criteria_empty"),
        (Criteria(cidr="203.0.113.0/28"), "criteria_cidr"),
        (Criteria(cidr="not a range"), "criteria_cidr"),
        (Criteria(ip="nope"), "criteria_ip"),
        (Criteria(postcode="12345"), "criteria_postcode"),
        (Criteria(since="yesterday"), "criteria_time"),
    ],
)
def test_bad_criteria_are_refused_clearly(signed: Petition, criteria: Criteria, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        invalidation_preview(criteria=criteria)
    assert excinfo.value.code == code


def test_invalidation_runs_in_the_background_and_leaves_counts_exact(
    signed: Petition, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidation_request(
            criteria=Criteria(petition_id=signed.pk, domain="throwaway.example"),
            reason="fraud",
            note="Bot burst from one range",
            actor=administrator,
        )
    invalidation.refresh_from_db()
    assert invalidation.state == InvalidationState.FINISHED
    assert (invalidation.matched, invalidation.processed, invalidation.invalidated) == (6, 6, 6)
    assert invalidation.percent_done == 100
    signed.refresh_from_db()
    assert signed.signature_count == 5 + 8
    # The two not yet counted are never counted now.
    signature_count_new()
    signed.refresh_from_db()
    assert signed.signature_count == Signature.objects.filter(petition=signed, state=SignatureState.VERIFIED).count()
    assert AuditEvent.objects.filter(action="signatures.invalidated", target_id=str(invalidation.pk)).exists()
    requested = AuditEvent.objects.get(action="signatures.invalidation_requested")
    assert requested.actor == administrator
    assert requested.data["matched"] == 6
    # Running it again changes nothing.
    assert invalidation_run(invalidation_id=invalidation.pk).invalidated == 6


def test_thresholds_no_longer_met_are_withdrawn(signed: Petition, administrator: User) -> None:
    threshold = Threshold.objects.create(
        scheme=Threshold.objects.first().scheme, name="Test", kind=ThresholdKind.OTHER, count=15
    )  # type: ignore[union-attr]
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=1), tick=False):
        signature_count_new()
        from townhall.petitions.services import petition_tally_add

        petition_tally_add(increments={signed.pk: 0}, at=INTEGRITY_NOW)
    assert ThresholdCrossing.objects.filter(petition=signed, threshold=threshold).exists()
    invalidation = Invalidation.objects.create(
        reason="fraud",
        criteria={"domain": "throwaway.example"},
        matched=6,
        requested_by=administrator,
        requested_at=INTEGRITY_NOW,
    )
    invalidation_run(invalidation_id=invalidation.pk)
    assert not ThresholdCrossing.objects.filter(petition=signed, threshold=threshold).exists()
    assert AuditEvent.objects.filter(action="petition.threshold_withdrawn").exists()


def test_only_administrators_invalidate(signed: Petition, moderator: User) -> None:
    with pytest.raises(PermissionDeniedError):
        invalidation_request(criteria=Criteria(domain="throwaway.example"), reason="fraud", note="", actor=moderator)
    assert not Invalidation.objects.exists()


def test_nothing_matching_is_refused(signed: Petition, administrator: User) -> None:
    with pytest.raises(DomainError) as excinfo:
        invalidation_request(criteria=Criteria(domain="nobody.example"), reason="fraud", note="", actor=administrator)
    assert excinfo.value.code == "criteria_no_match"


def test_petition_page_shows_signatures_removed_by_reason(
    client: Client, signed: Petition, administrator: User
) -> None:
    invalidation = Invalidation.objects.create(
        reason="fraud",
        criteria={"domain": "throwaway.example"},
        matched=6,
        requested_by=administrator,
        requested_at=INTEGRITY_NOW,
    )
    invalidation_run(invalidation_id=invalidation.pk)
    page = client.get(f"/petitions/{signed.pk}/").content.decode()
    assert "6 signatures removed" in page
    assert "Automated or fraudulent signing: 6" in page
    # No personal data: no domain, no address.
    assert "throwaway.example" not in page


def test_staff_page_previews_then_confirms(
    client: Client, signed: Petition, administrator: User, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(moderator)
    assert client.get("/integrity/invalidate/").status_code == 403
    client.force_login(administrator)
    data = {"petition_id": signed.pk, "cidr": "203.0.113.0/24", "reason": "fraud"}
    preview = client.post("/integrity/invalidate/", {**data, "preview": "1"})
    assert "6 signatures match." in preview.content.decode()
    assert not Invalidation.objects.exists()
    bad = client.post("/integrity/invalidate/", {**data, "cidr": "203.0.113.0/28", "preview": "1"})
    assert bad.status_code == 400
    assert "Addresses are kept only to /24" in bad.content.decode()
    # The confirmation names the action it confirms (the button the preview showed).
    assert 'name="confirm" value="invalidate"' in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/integrity/invalidate/", {**data, "confirm": "invalidate"})
    assert done.status_code == 302
    assert Invalidation.objects.get().invalidated == 6
    assert "6 / 6" in client.get("/integrity/").content.decode()
