"""A resident signs a petition in a real browser and confirms through the outbox,
finding every element by its accessible label or role."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import open_petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_count_new
from townhall.signatures.tasks import confirmation_emails_dispatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_signs_and_confirms_through_the_outbox(
    browser: Any, live_server: Any, settings: Any, scheme: Any, moderator: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "townhall.mail.backends.OutboxBackend"}}
    settings.TOWNHALL = {**settings.TOWNHALL, "OUTBOX_ENABLED": True, "BASE_URL": live_server.url}
    petition = open_petition(moderator=moderator)
    signature_count_new()  # the sponsors

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/petitions/{petition.pk}/")
    page.get_by_role("link", name="Sign this petition").click()

    # Submitting an empty form shows an error summary linking to each field.
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    expect(summary.get_by_role("link", name="Enter your name.")).to_be_visible()

    page.get_by_label("Name").fill("Rosa Resident")
    page.get_by_label("Email address").fill("rosa@example.org")
    page.get_by_label("Postcode").fill("km4 4dd")
    page.get_by_label(scheme.eligibility_declaration).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="One more step: check your email")).to_be_visible()

    # The scheduler queues the confirmation email; the worker delivers it to the outbox.
    assert confirmation_emails_dispatch() is True

    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name=f"Please confirm your signature: {petition.action}").click()
    page.get_by_role("link", name="/confirm/").click()
    # Opening the link confirms nothing: a mail scanner could have fetched it.
    assert Signature.objects.get(email="rosa@example.org").state == SignatureState.PENDING
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", name="Thank you for signing")).to_be_visible()
    assert Signature.objects.get(email="rosa@example.org").state == SignatureState.VERIFIED

    signature_count_new()
    page.goto(f"{live_server.url}/petitions/{petition.pk}/")
    # The page is briefly cacheable; a reload revalidates it with its ETag.
    page.reload()
    count_line = page.locator("[data-count-number]")
    assert count_line.inner_text() == str(scheme.sponsor_count + 1)
    context.close()
