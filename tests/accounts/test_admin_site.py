"""The admin obeys the roles: only administrators reach it, whatever Django staff flags or
model permissions an account carries; it signs in through the staff sign-in (throttle and
second factor); and no one can use it to give themselves powers they do not have."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.builders import PASSWORD, make_superuser, staff
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]


def _with_every_django_permission(user: User) -> User:
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.RESPONDER, Role.CLERK, None])
def test_staff_without_the_administrator_role_get_the_refusal_page_everywhere_in_the_admin(
    client: Client, role: Role | None
) -> None:
    user = _with_every_django_permission(staff("sam", *([role] if role else [])))
    client.force_login(user)
    for url in ["/admin/", *_changelists()]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You need the administrator role" in response.content.decode(), url


def test_a_moderator_cannot_make_itself_an_administrator_through_the_admin(client: Client) -> None:
    moderator = _with_every_django_permission(staff("mod", Role.MODERATOR))
    client.force_login(moderator)
    url = reverse("admin:accounts_user_change", args=[moderator.pk])
    response = client.post(url, {"username": "mod", "roles": ["administrator"], "is_superuser": "on"})
    assert response.status_code == 403
    moderator.refresh_from_db()
    assert (moderator.roles, moderator.is_superuser) == (["moderator"], False)


def test_an_administrator_uses_the_admin_without_any_django_staff_flag_or_permission(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR, is_staff=False)
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
    for url in _changelists():
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client: Client) -> None:
    for url in ["/admin/", *_changelists()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/staff/login/?next={url}", url


def test_the_admin_s_own_sign_in_is_the_staff_sign_in(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    response = client.get("/admin/login/?next=/admin/petitions/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/admin/petitions/"
    # A password posted to the admin's sign-in signs no one in.
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert administrator.last_login is None


def test_the_admin_s_sign_in_does_not_pass_on_an_off_site_next(client: Client) -> None:
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/staff/login/?next=/admin/"


def _user_form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on" if user.is_active else "",
        "roles": list(user.roles),
        "date_joined_0": "2026-11-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_an_administrator_grants_a_role_it_is_audited_and_the_account_is_signed_out_everywhere(
    client: Client,
) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    sam = staff("sam", Role.MODERATOR)
    sams_browser = Client()
    sams_browser.force_login(sam)
    assert sams_browser.get("/moderation/").status_code == 200
    client.force_login(administrator)

    response = client.post(
        reverse("admin:accounts_user_change", args=[sam.pk]), _user_form(sam, roles=["clerk", "moderator"])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    sam.refresh_from_db()
    assert sam.roles == ["clerk", "moderator"]
    event = AuditEvent.objects.get(action="staff.updated")
    assert event.actor == administrator
    assert event.data["roles"] == {"before": ["moderator"], "after": ["clerk", "moderator"]}
    # Sam's session ended with the change: the next page asks Sam to sign in again.
    assert sams_browser.get("/moderation/")["Location"].startswith("/staff/login/")


def test_a_misspelt_role_cannot_be_offered_by_the_admin_form(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    sam = staff("sam", Role.MODERATOR)
    client.force_login(administrator)
    response = client.post(reverse("admin:accounts_user_change", args=[sam.pk]), _user_form(sam, roles=["modrator"]))
    assert response.status_code == 200
    assert "Select a valid choice. modrator is not one of the available choices." in response.content.decode()
    sam.refresh_from_db()
    assert sam.roles == ["moderator"]


def test_an_administrator_who_is_not_a_superuser_cannot_make_anyone_a_superuser(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    sam = staff("sam", Role.MODERATOR)
    client.force_login(administrator)
    form = client.get(reverse("admin:accounts_user_change", args=[sam.pk])).content.decode()
    assert 'name="is_superuser"' not in form
    assert 'name="user_permissions"' not in form
    client.post(reverse("admin:accounts_user_change", args=[sam.pk]), _user_form(sam, is_superuser="on"))
    client.post(
        reverse("admin:accounts_user_change", args=[administrator.pk]), _user_form(administrator, is_superuser="on")
    )
    assert not User.objects.filter(is_superuser=True).exists()


def test_an_administrator_who_is_not_a_superuser_cannot_change_a_superuser(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    root = make_superuser("root")
    client.force_login(administrator)
    change = reverse("admin:accounts_user_change", args=[root.pk])
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.post(change, _user_form(root, email="taken@evil.example")).status_code == 403
    assert client.get(password).status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.org"


def test_staff_accounts_are_switched_off_never_deleted(client: Client) -> None:
    administrator = staff("admin", Role.ADMINISTRATOR)
    sam = staff("sam", Role.MODERATOR)
    client.force_login(administrator)
    response = client.post(reverse("admin:accounts_user_delete", args=[sam.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=sam.pk).exists()
