"""The main pages work in a real browser under the site's Content-Security-Policy: walking
them, with proof of work on and staff signed in, the browser blocks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.builders import PASSWORD, awaiting_petition, open_petition
from townhall.petitions.services import petition_set_proof_of_work
from townhall.signatures.models import Signature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy: records every violation the page
# reports (the console carries the same as text; both are collected).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__violations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + where);
});
"""


class Walk:
    """One browser tab; what the policies made the browser block or complain about is kept."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context()
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.problems: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # Chromium reports each blocked load or inline code, and each feature in the
        # Permissions-Policy it does not know, on the console.
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.problems.append(f"{self.page.url}: console {message.type}: {message.text}")

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        assert response.ok, path
        return response

    def check(self) -> None:
        """Collect what the current page reported once it has loaded (pages whose scripts
        do more later are waited for by what those scripts show)."""
        self.page.wait_for_load_state("load")
        for violation in self.page.evaluate("window.__violations"):
            self.problems.append(f"{self.page.url}: {violation}")


def test_main_pages_break_no_rule_of_the_policy(
    browser: Any, live_server: Any, settings: Any, scheme: Any, moderator: Any, superuser: Any
) -> None:
    settings.ALTCHA_CHALLENGE = {"cost": 1000, "key_prefix": "0"}  # a quick puzzle
    petition = open_petition(moderator=moderator)
    petition_set_proof_of_work(petition_id=petition.pk, required=True, actor=superuser)
    waiting = awaiting_petition(action="Light the towpath")
    walk = Walk(browser, live_server.url)
    page = walk.page

    walk.open(f"/petitions/{petition.pk}/")
    walk.check()
    walk.open(f"/petitions/{petition.pk}/widget/")
    walk.check()

    # The sign form with proof of work: the widget solves its puzzle in a worker.
    walk.open(f"/petitions/{petition.pk}/sign/")
    page.get_by_label("Name").fill("Rosa Resident")
    page.get_by_label("Email address").fill("rosa@example.org")
    page.get_by_label("Postcode").fill("KM4 4DD")
    page.get_by_label(scheme.eligibility_declaration).check()
    page.locator("altcha-widget label").click()
    page.locator("altcha-widget [data-state=verified]").wait_for()
    walk.check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="One more step: check your email")).to_be_visible()
    assert Signature.objects.filter(email="rosa@example.org").exists()
    walk.check()

    walk.open("/staff/login/")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    walk.check()
    walk.open("/moderation/")
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    walk.check()
    walk.open(f"/moderation/{waiting.pk}/")
    expect(page.get_by_role("heading", name="Light the towpath")).to_be_visible()
    walk.check()

    admin = Walk(browser, live_server.url)
    admin.open("/admin/")  # the admin sends staff to the staff sign-in, then back
    admin.page.get_by_label("Username").fill(superuser.username)
    admin.page.get_by_label("Password").fill(PASSWORD)
    admin.page.get_by_role("button", name="Sign in").click()
    expect(admin.page.get_by_role("button", name="Log out")).to_be_visible()
    admin.check()
    for path in (
        "/admin/",
        "/admin/petitions/petition/",
        f"/admin/petitions/petition/{petition.pk}/change/",
        f"/admin/schemes/scheme/{scheme.pk}/change/",
        "/admin/accounts/user/add/",
    ):
        admin.open(path)
        admin.check()
    admin.open("/api/docs")
    admin.page.get_by_role("heading", name="Townhall API").wait_for()  # Swagger UI's scripts ran
    admin.check()

    assert walk.problems + admin.problems == []
