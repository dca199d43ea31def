"""Process-local caches on the hot path: what they keep, for whom, and when they let go.

The rest of the suite runs with them off (tests change rows directly); here they are on.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.builders import open_petition, sign
from tests.core.conftest import CacheClock
from townhall.accounts.models import User
from townhall.core import localcache
from townhall.core.localcache import LocalCache
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.selectors import lists_current
from townhall.petitions.models import Petition, PetitionState
from townhall.schemes.models import Scheme, Threshold, ThresholdKind
from townhall.schemes.selectors import scheme_get_current
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db


@pytest.fixture
def caches_on(settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SCHEME_CACHE_SECONDS": 5.0, "PUBLIC_READ_CACHE_SECONDS": 1.0}


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


# --- LocalCache -------------------------------------------------------------------------
def test_local_cache_expires_and_is_bounded(cache_clock: CacheClock) -> None:
    cache: LocalCache[str] = LocalCache("test", max_entries=10)
    cache.set("a", "A", seconds=2)
    assert cache.get("a") == "A"
    cache_clock.shift(1.9)
    assert cache.get("a") == "A"
    cache_clock.shift(0.2)
    assert cache.get("a") is None
    for n in range(25):
        cache.set(n, str(n), seconds=60)
    assert len(cache) <= 10
    assert cache.get(24) == "24"  # the newest survive, the oldest go first
    assert cache.get(0) is None


def test_local_cache_with_no_lifetime_keeps_nothing() -> None:
    cache: LocalCache[str] = LocalCache("test-off")
    loads = []
    for _ in range(3):
        cache.get_or_load("k", lambda: loads.append(1) or "v", seconds=0)
    assert len(loads) == 3


# --- The scheme --------------------------------------------------------------------------
def test_scheme_is_read_once_then_kept(caches_on: None, scheme: Scheme) -> None:
    localcache.clear_all()
    with CaptureQueriesContext(connection) as first:
        assert scheme_get_current().pk == scheme.pk
    with CaptureQueriesContext(connection) as again:
        assert scheme_get_current().pk == scheme.pk
    assert len(first) >= 1
    assert len(again) == 0


@pytest.mark.parametrize("change", ["scheme", "threshold", "body"])
def test_saving_the_scheme_in_this_process_is_seen_at_once(caches_on: None, scheme: Scheme, change: str) -> None:
    assert scheme_get_current().sponsor_count == scheme.sponsor_count
    if change == "scheme":
        scheme.sponsor_count = 9
        scheme.save()
        assert scheme_get_current().sponsor_count == 9
    elif change == "threshold":
        threshold = Threshold.objects.get(scheme=scheme, kind=ThresholdKind.DEBATE)
        threshold.count = 12_345
        threshold.save()
        assert scheme_get_current().thresholds.get(kind=ThresholdKind.DEBATE).count == 12_345
        debate = [t for t in scheme_get_current().thresholds.all() if t.kind == ThresholdKind.DEBATE]
        assert debate[0].count == 12_345
    else:
        body = scheme.body
        body.name = "Kingsmere Town Council"
        body.save()
        assert scheme_get_current().body.name == "Kingsmere Town Council"


def test_another_process_sees_a_scheme_change_within_the_lifetime(
    caches_on: None, scheme: Scheme, cache_clock: CacheClock
) -> None:
    assert scheme_get_current().sponsor_count == scheme.sponsor_count
    # A change made elsewhere sends no signal here (a queryset update stands in for it).
    Scheme.objects.update(sponsor_count=7)
    assert scheme_get_current().sponsor_count == scheme.sponsor_count
    cache_clock.shift(5.1)
    assert scheme_get_current().sponsor_count == 7


# --- Allow and block lists ---------------------------------------------------------------------
def test_a_list_entry_saved_here_applies_to_the_next_signature(scheme: Scheme) -> None:
    assert "blocked.example" not in lists_current().block.domains
    entry = ListEntry.objects.create(kind=ListKind.EMAIL_DOMAIN, action=ListAction.BLOCK, value="blocked.example")
    assert "blocked.example" in lists_current().block.domains
    entry.delete()
    assert "blocked.example" not in lists_current().block.domains


# --- Rendered fragments -------------------------------------------------------------------
def test_kept_fragments_change_with_what_they_depend_on(caches_on: None, petition: Petition, scheme: Scheme) -> None:
    sign = f"/petitions/{petition.pk}/sign/"
    first = Client().get(sign).content.decode()
    assert scheme.eligibility_declaration in first
    scheme.eligibility_declaration = "I live, work or study in Kingsmere, honestly."
    scheme.save()
    page = Client().get(sign).content.decode()
    assert "I live, work or study in Kingsmere, honestly." in page
    # Each visitor still gets their own CSRF token around the kept form fields.
    tokens = {Client().get(sign).content.decode().split('name="csrfmiddlewaretoken" value="')[1][:20] for _ in range(3)}
    assert len(tokens) == 3


def test_a_form_with_errors_is_rendered_for_that_visitor(caches_on: None, petition: Petition) -> None:
    client = Client()
    client.get(f"/petitions/{petition.pk}/sign/")
    response = client.post(
        f"/petitions/{petition.pk}/sign/",
        {"name": "Ann Example", "email": "not-an-email", "postcode": "SW1A 1AA", "declared_eligible": "on"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Ann Example"' in body or "Ann Example" in body
    assert "Enter your email address in the right format" in body
    clean = Client().get(f"/petitions/{petition.pk}/sign/").content.decode()
    assert "Ann Example" not in clean
    assert "right format" not in clean


def test_the_kept_header_differs_for_staff_pages(caches_on: None, petition: Petition, moderator: User) -> None:
    public = Client().get(f"/petitions/{petition.pk}/").content.decode()
    staff = Client()
    staff.force_login(moderator)
    queue = staff.get(reverse("moderation:queue"))
    assert queue.status_code == 200
    staff_link = f'href="{reverse("accounts:home")}"'
    assert staff_link in queue.content.decode()
    assert staff_link not in public
    assert staff_link not in Client().get(f"/petitions/{petition.pk}/sign/").content.decode()


# --- The petition on the signing pages ---------------------------------------------------
def test_signing_reads_the_petition_afresh_even_when_the_form_was_kept(caches_on: None, petition: Petition) -> None:
    client = Client()
    assert client.get(f"/petitions/{petition.pk}/sign/").status_code == 200  # the petition is now kept
    # Closed by another process (no signal reaches this one).
    Petition.objects.filter(pk=petition.pk).update(state=PetitionState.CLOSED, closed_at=timezone.now())
    response = client.post(
        f"/petitions/{petition.pk}/sign/",
        {"name": "Late Signer", "email": "late@example.org", "postcode": "SW1A 1AA", "declared_eligible": "on"},
    )
    assert response.status_code == 409
    assert "can no longer be signed" in response.content.decode()
    assert not Signature.objects.filter(email="late@example.org").exists()


def test_confirming_reads_the_petition_afresh_after_the_page_was_shown(caches_on: None, petition: Petition) -> None:
    signature = sign(petition, name="Slow Confirmer", email="slow@example.org", postcode="SW1A 1AA", confirm=False)
    url = f"/signatures/{signature.pk}/confirm/{signature.token}/"
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert petition.action in page.content.decode()
    Petition.objects.filter(pk=petition.pk).update(state=PetitionState.CLOSED, closed_at=timezone.now())
    confirmed = client.post(url)
    assert confirmed.status_code == 409
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING
