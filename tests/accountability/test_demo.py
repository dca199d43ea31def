"""The demo's Chief Executive story: four decisions, in order, matching the tenures."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from townhall.accountability import demo
from townhall.accountability.models import Decision, DecisionKind
from townhall.demo.loader import demo_load
from townhall.officials.models import Official
from townhall.petitions.models import Petition

pytestmark = pytest.mark.django_db


def test_the_chief_executive_story_is_told_in_order_and_loads_once(client: Client) -> None:
    demo_load()
    demo.load(now=timezone.now())

    decisions = list(Decision.objects.order_by("decided_on"))
    assert [d.kind for d in decisions] == [
        DecisionKind.RECOMMENDATION,
        DecisionKind.CONFIRMATION,
        DecisionKind.DEPARTURE,
        DecisionKind.APPOINTMENT,
    ]
    recommendation, confirmation, departure, appointment = decisions
    daniel = Official.objects.get(person__name="Daniel Okafor", role="Chief Executive")
    priya = Official.objects.get(person__name="Priya Raman", role="Chief Executive")
    assert daniel.tenure_ended_on is not None
    assert recommendation.decided_on < confirmation.decided_on < daniel.tenure_started_on
    assert daniel.tenure_started_on < departure.decided_on <= daniel.tenure_ended_on
    assert appointment.decided_on == priya.tenure_started_on > daniel.tenure_ended_on
    assert recommendation.title == "Appointments panel recommends Daniel Okafor as Chief Executive"
    assert appointment.title == "Priya Raman appointed interim Chief Executive"
    assert list(appointment.officials.all()) == [priya]
    petition = Petition.objects.get(action="Publish the full reasons for the Chief Executive's departure")
    assert list(departure.petitions.all()) == [petition]
    assert list(departure.officials.all()) == [daniel]

    page = client.get("/officials/daniel-okafor/").content.decode()
    assert "Full Council confirms the appointment" in page
    assert "Chief Executive leaves the council" in page
    assert "Chief Executive leaves the council" in client.get(f"/petitions/{petition.pk}/").content.decode()

    demo.load(now=timezone.now())
    assert Decision.objects.count() == 4


def test_without_the_demo_borough_it_does_nothing(db: object) -> None:
    demo.load(now=timezone.now())
    assert not Decision.objects.exists()
