"""The embedded outbox: in the default set-up every email is kept so its links can be followed."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.test import Client
from pytest_django.fixtures import Settings

from townhall.mail.backends import OutboxBackend
from townhall.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

BODY = "Open this link and press the confirm button:\n\nhttp://testserver/signatures/7/confirm/abc123/\n\nThanks."


def _send(*messages: EmailMessage) -> int:
    return OutboxBackend().send_messages(list(messages))


def _message(subject: str, to: list[str], body: str = BODY) -> EmailMessage:
    return EmailMessage(subject=subject, body=body, from_email="petitions@townhall.invalid", to=to)


def _outbox_off(settings: Settings) -> None:
    settings.TOWNHALL = {**django_settings.TOWNHALL, "OUTBOX_ENABLED": False}


def test_outbox_backend_stores_each_message_instead_of_delivering_it() -> None:
    sent = _send(
        _message("Confirm your signature", ["pat@example.org"]),
        _message("Petition published", ["ann@example.org", "bob@example.org"], body="Hello"),
    )

    assert sent == 2
    stored = {m.subject: m for m in OutboxMessage.objects.all()}
    assert stored["Confirm your signature"].to == "pat@example.org"
    assert stored["Confirm your signature"].body == BODY
    assert stored["Petition published"].to == "ann@example.org, bob@example.org"
    assert stored["Petition published"].body == "Hello"


def test_outbox_backend_with_nothing_to_send_stores_nothing() -> None:
    assert _send() == 0
    assert not OutboxMessage.objects.exists()


def test_outbox_lists_every_message_newest_first(client: Client) -> None:
    _send(_message("First email", ["a@example.org"]))
    _send(_message("Second email", ["b@example.org"]))

    response = client.get("/outbox/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Second email") < html.index("First email")
    assert "b@example.org" in html
    for message in OutboxMessage.objects.all():
        assert f'href="/outbox/{message.pk}/"' in html
    assert response["Cache-Control"] == "no-store"


def test_empty_outbox_says_so(client: Client) -> None:
    assert "No emails yet." in client.get("/outbox/").content.decode()


def test_outbox_message_shows_the_body_with_clickable_links(client: Client) -> None:
    _send(_message("Confirm your signature", ["pat@example.org"]))
    message = OutboxMessage.objects.get()

    response = client.get(f"/outbox/{message.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm your signature" in html
    assert "pat@example.org" in html
    assert '<a href="http://testserver/signatures/7/confirm/abc123/"' in html
    assert "press the confirm button" in html
    assert response["Cache-Control"] == "no-store"


def test_outbox_message_escapes_what_the_email_says(client: Client) -> None:
    _send(_message("<b>Subject</b>", ["pat@example.org"], body="<script>alert(1)</script>"))
    message = OutboxMessage.objects.get()

    html = client.get(f"/outbox/{message.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_unknown_outbox_message_is_404(client: Client) -> None:
    assert client.get("/outbox/999999/").status_code == 404


def test_outbox_link_shows_in_the_site_navigation_only_when_enabled(client: Client, settings: Settings) -> None:
    assert 'href="/outbox/"' in client.get("/outbox/").content.decode()

    _outbox_off(settings)

    assert 'href="/outbox/"' not in client.get("/petitions/new/").content.decode()


def test_outbox_pages_are_404_when_the_outbox_is_disabled(client: Client, settings: Settings) -> None:
    _send(_message("Confirm your signature", ["pat@example.org"]))
    message = OutboxMessage.objects.get()
    _outbox_off(settings)

    listing = client.get("/outbox/")
    single = client.get(f"/outbox/{message.pk}/")

    assert listing.status_code == 404
    assert single.status_code == 404
    assert b"pat@example.org" not in listing.content
    assert b"pat@example.org" not in single.content


def test_outbox_refuses_writes(client: Client) -> None:
    assert client.post("/outbox/").status_code == 405


def _settings_in_subprocess(module: str, code: str, **env: str) -> str:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(django_settings.BASE_DIR)),
        **env,
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", f"import {module} as s; {code}"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_embedded_default_routes_mail_to_the_outbox_and_shows_it(tmp_path: Any) -> None:
    out = _settings_in_subprocess(
        "config.settings.dev",
        "print(s.MAILERS['default']['BACKEND'], s.TOWNHALL['OUTBOX_ENABLED'])",
        TOWNHALL_DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
    )

    assert out == "townhall.mail.backends.OutboxBackend True"


def test_production_keeps_the_outbox_off(tmp_path: Any) -> None:
    out = _settings_in_subprocess(
        "config.settings.prod",
        "print(s.TOWNHALL['OUTBOX_ENABLED'], s.MAILERS['default']['BACKEND'])",
        TOWNHALL_SECRET_KEY="x" * 60,
        TOWNHALL_EMAIL_HOST="smtp.example.org",
        TOWNHALL_BASE_URL="https://petitions.example.org",
        TOWNHALL_DATABASE_URL="postgres://townhall@127.0.0.1:5432/townhall",
    )

    assert out == "False django.core.mail.backends.smtp.EmailBackend"
