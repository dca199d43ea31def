"""Staff sign-in: a second factor from an authenticator app, and throttling of failures."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.builders import PASSWORD, staff
from townhall.accounts.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "STAFF_2FA_REQUIRED": True}
    cache.clear()


@pytest.fixture
def alice(db: Any) -> User:
    return staff("alice", Role.MODERATOR, password=PASSWORD)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def _sign_in(client: Client, username: str = "alice", password: str = PASSWORD) -> Any:
    return client.post("/staff/login/", {"username": username, "password": password})


def test_first_sign_in_sets_up_an_authenticator_then_lets_staff_in(client: Client, alice: User) -> None:
    assert _sign_in(client).status_code == 302
    # Every staff page waits for the second factor.
    assert client.get("/moderation/")["Location"] == "/staff/two-factor/?next=/moderation/"
    setup = client.get("/staff/two-factor/").content.decode()
    assert "Set up two-factor sign-in" in setup
    assert "data:image/svg+xml;base64," in setup
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    wrong = client.post("/staff/two-factor/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    # django-otp backs off after a wrong code; a person would wait a moment.
    device.refresh_from_db()
    device.throttle_reset()
    assert client.post("/staff/two-factor/", {"token": _code(device)}).status_code == 302
    assert client.get("/moderation/").status_code == 200
    assert TOTPDevice.objects.get(user=alice).confirmed is True


def test_later_sign_ins_ask_for_the_code(alice: User) -> None:
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    client = Client()
    _sign_in(client)
    page = client.get("/staff/two-factor/").content.decode()
    assert "Enter your code" in page
    assert "data:image" not in page  # no new secret is shown once a device exists
    assert client.get("/staff/").status_code == 302
    client.post("/staff/two-factor/", {"token": _code(device)})
    assert client.get("/staff/").status_code == 200


def test_public_pages_never_ask_for_a_second_factor(client: Client, alice: User, scheme: Any) -> None:
    _sign_in(client)
    assert client.get("/").status_code == 200
    # ...but no staff power works until it is given: a page outside the staff prefixes
    # still refuses an unverified moderator.
    assert client.get("/moderation/updates/").status_code in (302, 403)


def test_repeated_failures_lock_sign_in_even_with_the_right_password(client: Client, alice: User) -> None:
    for _ in range(5):
        failed = _sign_in(client, password="wrong password")
        assert failed.status_code == 200
        assert "Please enter a correct username and password" in failed.content.decode()
    locked = _sign_in(client)
    assert locked.status_code == 200
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # Another account from another address is unaffected.
    staff("bob", Role.MODERATOR, password=PASSWORD)
    assert (
        Client(REMOTE_ADDR="198.51.100.7").post("/staff/login/", {"username": "bob", "password": PASSWORD}).status_code
        == 302
    )


def test_one_address_trying_many_accounts_is_locked_out(alice: User, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "LOGIN_THROTTLE": (5, 3, 900)}
    client = Client(REMOTE_ADDR="203.0.113.9")
    for name in ["a", "b", "c"]:
        _sign_in(client, username=name, password="guess")
    assert "Too many failed sign-in attempts" in _sign_in(client).content.decode()


OFF_SITE = ["https://evil.example/", "//evil.example/", "https:evil.example", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_no_step_of_sign_in_sends_anyone_off_the_site(client: Client, alice: User, target: str) -> None:
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    chained = "/staff/two-factor/?next=" + quote(target, safe="")
    login_page = client.get("/staff/login/?next=" + quote(chained, safe="")).content.decode()
    assert "evil.example" not in login_page or 'name="next" value="/staff/two-factor/' in login_page
    signed_in = client.post("/staff/login/", {"username": "alice", "password": PASSWORD, "next": chained})
    assert "evil.example" not in signed_in["Location"] or signed_in["Location"].startswith("/staff/two-factor/")
    verified = client.post(signed_in["Location"], {"token": _code(device)})
    assert verified.status_code == 302
    assert verified["Location"] == "/staff/"
    # Nor does the login page keep an off-site `next` for later.
    assert target not in client.get("/staff/login/?next=" + quote(target, safe="")).content.decode()
    signed_out = client.post("/staff/logout/?next=" + quote(target, safe=""))
    assert "evil.example" not in signed_out.get("Location", "")


def test_the_second_factor_returns_staff_to_the_page_they_asked_for(client: Client, alice: User) -> None:
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    _sign_in(client)
    asked = client.get("/moderation/updates/")
    assert asked["Location"] == "/staff/two-factor/?next=/moderation/updates/"
    assert client.post(asked["Location"], {"token": _code(device)})["Location"] == "/moderation/updates/"
