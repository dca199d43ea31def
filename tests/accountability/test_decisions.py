"""Recording decisions: administrators only, clear refusals, audited, same rules in the admin."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from tests.builders import make_petition, open_petition, staff
from townhall.accountability.models import Decision
from townhall.accountability.services import decision_delete, decision_record, decision_update
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.meetings.models import Committee, CommitteeKind, Meeting
from townhall.officials.models import Official
from townhall.petitions.models import Petition

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def admin_site_administrator(db: Any) -> User:
    """admin@example.org: the administrator role, and staff status for the admin site."""
    return staff("admin", Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


def record(actor: Any, **overrides: Any) -> Decision:
    fields: dict[str, Any] = {
        "decided_on": D(2025, 5, 20),
        "kind": "confirmation",
        "title": "Full Council confirms the appointment",
        "description": "",
        "decided_by": "Full Council",
        "official_ids": [],
        "meeting_id": None,
        "petition_ids": [],
    }
    fields.update(overrides)
    return decision_record(actor=actor, **fields)


def test_an_administrator_records_a_decision_with_its_links_and_an_audit_record(
    admin_site_administrator: User, mayor: Official, petition: Petition
) -> None:
    committee = Committee.objects.create(name="Full Council", slug="full-council", kind=CommitteeKind.FULL_COUNCIL)
    meeting = Meeting.objects.create(
        committee=committee, starts_at=datetime.datetime(2025, 5, 20, 18, tzinfo=datetime.UTC)
    )

    decision = record(
        admin_site_administrator,
        title="  Full Council   confirms the appointment ",
        official_ids=[mayor.pk, mayor.pk],
        meeting_id=meeting.pk,
        petition_ids=[petition.pk],
        source_url="https://kingsmere.example/minutes/2025-05-20",
    )

    decision.refresh_from_db()
    assert decision.title == "Full Council confirms the appointment"
    assert list(decision.officials.all()) == [mayor]
    assert list(decision.petitions.all()) == [petition]
    assert decision.meeting == meeting
    event = AuditEvent.objects.get(action="decision.recorded")
    assert event.target_id == str(decision.pk)
    assert event.actor == admin_site_administrator
    assert event.data["petitions"] == [petition.pk]


@pytest.mark.parametrize("roles", [[], [Role.MODERATOR.value], [Role.RESPONDER.value], [Role.CLERK.value]])
def test_only_administrators_may_record_decisions(scheme: Any, roles: list[str]) -> None:
    someone = staff("someone", *roles, email="s@example.org")
    with pytest.raises(PermissionDeniedError):
        record(someone)
    with pytest.raises(PermissionDeniedError):
        record(None)
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"title": "   "}, "decision_title_blank"),
        ({"title": "x" * 201}, "decision_title_too_long"),
        ({"kind": "coup"}, "decision_kind_invalid"),
        ({"decided_on": None}, "decision_date_blank"),
        ({"decided_by": "y" * 201}, "decision_decided_by_too_long"),
        ({"official_ids": [999_999]}, "decision_official_unknown"),
        ({"meeting_id": 999_999}, "decision_meeting_unknown"),
        ({"petition_ids": [999_999]}, "decision_petition_not_public"),
        ({"source_url": "javascript:alert(1)"}, "decision_source_invalid"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    admin_site_administrator: User, scheme: Any, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        record(admin_site_administrator, **overrides)
    assert refused.value.code == code
    assert refused.value.message
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="decision.recorded").exists()


def test_a_private_petition_cannot_be_linked(admin_site_administrator: User, scheme: Any) -> None:
    pending = make_petition()
    with pytest.raises(DomainError) as refused:
        record(admin_site_administrator, petition_ids=[pending.pk])
    assert refused.value.code == "decision_petition_not_public"


def test_update_and_delete_are_administrators_only_and_audited(
    admin_site_administrator: User, moderator: User, mayor: Official, petition: Petition
) -> None:
    decision = record(admin_site_administrator, petition_ids=[petition.pk])
    with pytest.raises(PermissionDeniedError):
        decision_update(
            decision_id=decision.pk,
            decided_on=D(2025, 5, 21),
            kind="confirmation",
            title="Changed",
            description="",
            decided_by="",
            official_ids=[],
            meeting_id=None,
            petition_ids=[],
            actor=moderator,
        )
    decision_update(
        decision_id=decision.pk,
        decided_on=D(2025, 5, 21),
        kind="confirmation",
        title="Full Council confirms the appointment (corrected date)",
        description="",
        decided_by="Full Council",
        official_ids=[mayor.pk],
        meeting_id=None,
        petition_ids=[],
        actor=admin_site_administrator,
    )
    decision.refresh_from_db()
    assert decision.decided_on == D(2025, 5, 21)
    assert list(decision.officials.all()) == [mayor]
    assert not decision.petitions.exists()
    with pytest.raises(PermissionDeniedError):
        decision_delete(decision_id=decision.pk, actor=moderator)
    decision_delete(decision_id=decision.pk, actor=admin_site_administrator)
    assert not Decision.objects.exists()
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="decision.").order_by("id")] == [
        "decision.recorded",
        "decision.updated",
        "decision.deleted",
    ]


def test_the_admin_records_through_the_service_and_shows_its_refusals(
    client: Client, admin_site_administrator: User, mayor: Official, petition: Petition
) -> None:
    client.force_login(admin_site_administrator)
    form = {
        "decided_on": "2025-05-20",
        "kind": "confirmation",
        "title": "Full Council confirms the appointment",
        "description": "",
        "decided_by": "Full Council",
        "source_url": "",
        "officials": [str(mayor.pk)],
        "meeting": "",
        "petitions": [str(petition.pk)],
    }
    added = client.post("/admin/accountability/decision/add/", form)
    assert added.status_code == 302, added.content.decode()
    decision = Decision.objects.get()
    assert list(decision.officials.all()) == [mayor]
    assert AuditEvent.objects.filter(action="decision.recorded", actor=admin_site_administrator).count() == 1

    refused = client.post("/admin/accountability/decision/add/", {**form, "title": "   "})
    assert refused.status_code == 200
    assert Decision.objects.count() == 1

    changed = client.post(f"/admin/accountability/decision/{decision.pk}/change/", {**form, "title": "Confirmed"})
    assert changed.status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Confirmed"
    assert list(decision.petitions.all()) == [petition]
    assert AuditEvent.objects.filter(action="decision.updated", actor=admin_site_administrator).count() == 1


def test_staff_without_the_administrator_role_cannot_add_decisions_in_the_admin(client: Client, scheme: Any) -> None:
    moderator = staff("staff", Role.MODERATOR, is_staff=True)
    client.force_login(moderator)
    response = client.post("/admin/accountability/decision/add/", {"title": "Sneaky", "kind": "other"})
    assert response.status_code == 403
    assert not Decision.objects.exists()
