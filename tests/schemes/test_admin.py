"""An administrator edits the body's scheme, thresholds included, through the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.builders import staff
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.schemes.models import Scheme, Threshold

pytestmark = pytest.mark.django_db


def _url(scheme: Scheme) -> str:
    return f"/admin/schemes/scheme/{scheme.pk}/change/"


def _form_data(response: Any) -> dict[str, Any]:
    """The change form as the browser would submit it unchanged: main form and inlines."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def _thresholds() -> dict[str, int]:
    return {t.name: t.count for t in Threshold.objects.all()}


def test_the_change_page_shows_the_scheme_and_its_thresholds(superuser_client: Client, scheme: Scheme) -> None:
    response = superuser_client.get(_url(scheme))

    assert response.status_code == 200
    html = response.content.decode()
    assert "I live, work or study in the borough" in html
    for name in ["Written response", "Officer evidence at scrutiny", "Full Council debate"]:
        assert name in html
    assert "3006" in html


def test_an_administrator_edits_the_scheme_and_a_threshold(
    superuser_client: Client, scheme: Scheme, superuser: User
) -> None:
    page = superuser_client.get(_url(scheme))
    data = _form_data(page)
    data["duration_months"] = "12"
    data["goal_ladder"] = "[100, 200, 400, 800]"
    index = next(i for i in range(3) if data[f"thresholds-{i}-name"] == "Written response")
    data[f"thresholds-{index}-count"] = "1200"

    response = superuser_client.post(_url(scheme), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    saved = Scheme.objects.get()
    assert saved.duration_months == 12
    assert saved.goal_ladder == [100, 200, 400, 800]
    assert _thresholds() == {
        "Written response": 1_200,
        "Officer evidence at scrutiny": 1_500,
        "Full Council debate": 3_006,
    }
    event = AuditEvent.objects.get(action="scheme.updated")
    assert event.actor == superuser
    assert event.data == {"fields": ["duration_months", "goal_ladder"]}


def test_an_administrator_adds_a_threshold_inline(superuser_client: Client, scheme: Scheme) -> None:
    data = _form_data(superuser_client.get(_url(scheme)))
    data.update(
        {
            "thresholds-TOTAL_FORMS": "4",
            "thresholds-3-scheme": str(scheme.pk),
            "thresholds-3-name": "Cabinet decision",
            "thresholds-3-kind": "other",
            "thresholds-3-count": "5000",
            "thresholds-3-description": "The cabinet takes a formal decision.",
        }
    )

    response = superuser_client.post(_url(scheme), data)

    assert response.status_code == 302
    assert _thresholds()["Cabinet decision"] == 5_000
    assert Threshold.objects.count() == 4


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        ("[500, 100, 1000]", "Goals must go up: each one larger than the one before."),
        ('[100, "lots"]', "Every goal must be a whole number above zero."),
        ("[100, 2.5]", "Every goal must be a whole number above zero."),
        ('{"first": 100}', "Give the goal ladder as a list of whole numbers"),
    ],
)
def test_an_invalid_goal_ladder_shows_an_error_and_saves_nothing(
    superuser_client: Client, scheme: Scheme, ladder: str, message: str
) -> None:
    before = Scheme.objects.values().get()
    thresholds_before = _thresholds()
    data = _form_data(superuser_client.get(_url(scheme)))
    data["goal_ladder"] = ladder
    data["duration_months"] = "9"
    data["thresholds-0-count"] = "7"  # an inline change in the same submission is not saved either

    response = superuser_client.post(_url(scheme), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert message in " ".join(response.context["adminform"].form.errors["goal_ladder"])
    assert Scheme.objects.values().get() == before
    assert _thresholds() == thresholds_before
    assert not AuditEvent.objects.filter(action="scheme.updated").exists()


@pytest.mark.parametrize("months", ["0", "25"])
def test_a_duration_outside_one_to_24_months_is_refused(superuser_client: Client, scheme: Scheme, months: str) -> None:
    data = _form_data(superuser_client.get(_url(scheme)))
    data["duration_months"] = months

    response = superuser_client.post(_url(scheme), data)

    assert response.status_code == 200
    assert "A petition runs for between 1 and 24 months." in response.content.decode()
    assert Scheme.objects.get().duration_months == 6


def test_a_threshold_count_of_zero_is_refused_with_a_clear_message(superuser_client: Client, scheme: Scheme) -> None:
    data = _form_data(superuser_client.get(_url(scheme)))
    data["thresholds-0-count"] = "0"

    response = superuser_client.post(_url(scheme), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "A threshold needs at least 1 signature." in html
    assert "threshold_count_positive" not in html  # no database constraint names shown to people
    assert _thresholds() == {
        "Written response": 1_000,
        "Officer evidence at scrutiny": 1_500,
        "Full Council debate": 3_006,
    }


def test_a_moderator_cannot_reach_the_scheme_admin(client: Client, scheme: Scheme) -> None:
    moderator = staff("mod", Role.MODERATOR, is_staff=False)
    client.force_login(moderator)

    response = client.get(_url(scheme))

    assert response.status_code == 403
    assert "You need the administrator role" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client: Client, scheme: Scheme) -> None:
    response = client.post(_url(scheme), {"duration_months": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert Scheme.objects.get().duration_months == 6
