"""The staff page for the allow and block lists: administrators add, edit and remove
entries through the lists' service (normalised, refused on the field with nothing stored,
audited, applied at once); moderators read it and test an address; no one else reaches it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.builders import attempt_signature, open_petition
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.lists.forms import FIELDS_BY_CODE
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.services import list_entry_save
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db

ENTRIES = reverse("lists:entries")
ADD = reverse("lists:add")


@pytest.fixture
def admin_client(client: Client, administrator: User) -> Client:
    client.force_login(administrator)
    return client


def entry(administrator: User, kind: str, action: str, value: str, **fields: Any) -> ListEntry:
    return list_entry_save(entry=ListEntry(kind=kind, action=action, value=value, **fields), actor=administrator)


def form(kind: str, action: str, value: str, limit_factor: str = "", note: str = "") -> dict[str, str]:
    return {"kind": kind, "action": action, "value": value, "limit_factor": limit_factor, "note": note}


def field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="id_{field}_error">.*?</span> (.*?)</p>', html, re.S)


# --- Adding, editing, removing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "action", "typed", "factor", "stored", "stored_factor"),
    [
        (ListKind.EMAIL, ListAction.BLOCK, " J.Smith+x@GoogleMail.com ", "", "jsmith@gmail.com", None),
        (ListKind.EMAIL, ListAction.ALLOW, "Ann.Lee@Example.org", "", "ann.lee@example.org", None),
        (ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "@Spam.Example.", "", "spam.example", None),
        (ListKind.EMAIL_DOMAIN, ListAction.ALLOW, "googlemail.com", "", "gmail.com", None),
        (ListKind.IP, ListAction.BLOCK, "203.0.113.7", "", "203.0.113.7/32", None),
        (ListKind.IP, ListAction.ALLOW, "2001:DB8::/32", "", "2001:db8::/32", None),
        (ListKind.IP, ListAction.SHARED, "198.51.100.0/24", "25", "198.51.100.0/24", 25),
        (ListKind.IP, ListAction.SHARED, "198.51.100.0/24", "", "198.51.100.0/24", 10),
    ],
)
def test_an_administrator_adds_each_kind_and_action_normalised_and_audited(
    admin_client: Client, kind: str, action: str, typed: str, factor: str, stored: str, stored_factor: int | None
) -> None:
    response = admin_client.post(ADD, form(kind, action, typed, factor, note="From the complaint"))
    assert response.status_code == 302
    assert response["Location"] == ENTRIES
    saved = ListEntry.objects.get()
    assert (saved.kind, saved.action, saved.value, saved.limit_factor, saved.note) == (
        kind,
        action,
        stored,
        stored_factor,
        "From the complaint",
    )
    event = AuditEvent.objects.get(action="signer_list.added")
    assert event.target_id == str(saved.pk)
    page = admin_client.get(ENTRIES).content.decode()
    assert f"“{stored}” was added." in page
    assert stored in page


# Every refusal the lists' rules and service can raise, with what provokes it and the field
# it is shown on.
REFUSALS = {
    "list_value_blank": (form(ListKind.IP, ListAction.BLOCK, "  "), "value", "Give the address, network or domain."),
    "list_ip_invalid": (form(ListKind.IP, ListAction.BLOCK, "1.2.3.4/99"), "value", "is not an IP address or network"),
    "list_ip_host_bits": (form(ListKind.IP, ListAction.BLOCK, "203.0.113.7/24"), "value", "enter the network as"),
    "list_domain_wildcard": (form(ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "*.x.example"), "value", "no wildcard"),
    "list_domain_is_email": (
        form(ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "ann@x.example"),
        "value",
        "is an email address, not a domain",
    ),
    "list_domain_invalid": (form(ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "com"), "value", "is not a domain"),
    "list_email_invalid": (form(ListKind.EMAIL, ListAction.BLOCK, "ann@"), "value", "is not an email address"),
    "list_value_too_long": (
        form(ListKind.EMAIL, ListAction.BLOCK, "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".example"),
        "value",
        "must be 254 characters or fewer",
    ),
    "list_duplicate": (
        form(ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "Dup.Example"),
        "value",
        "is already on this list",
    ),
    "list_shared_not_ip": (
        form(ListKind.EMAIL_DOMAIN, ListAction.SHARED, "x.example"),
        "action",
        "A shared network is",
    ),
    "list_factor_not_shared": (
        form(ListKind.IP, ListAction.BLOCK, "203.0.113.7", "5"),
        "limit_factor",
        "Only a shared network has a limit factor",
    ),
    "list_factor_range": (
        form(ListKind.IP, ListAction.SHARED, "203.0.113.0/24", "101"),
        "limit_factor",
        "Give a limit factor from 2 to 100.",
    ),
    "list_note_too_long": (
        form(ListKind.IP, ListAction.BLOCK, "203.0.113.7", note="n" * 201),
        "note",
        "200 characters",
    ),
}


def test_every_refusal_code_has_a_case_here_and_a_field() -> None:
    # list_kind_unknown is refused by the form's own choice first; the map still names its field.
    assert set(REFUSALS) | {"list_kind_unknown"} == set(FIELDS_BY_CODE)


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_each_refusal_is_shown_on_its_field_keeps_what_was_typed_and_stores_nothing(
    admin_client: Client, administrator: User, code: str
) -> None:
    data, field, message = REFUSALS[code]
    if code == "list_duplicate":
        entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "dup.example")
    before = list(ListEntry.objects.values_list("pk", "value"))
    events = AuditEvent.objects.count()
    response = admin_client.post(ADD, data)
    assert response.status_code == 400
    html = response.content.decode()
    errors = field_errors(html, field)
    assert len(errors) == 1, errors
    assert message in errors[0]
    assert re.search(rf'aria-describedby="(id_{field}_helptext )?id_{field}_error"', html)
    assert list(ListEntry.objects.values_list("pk", "value")) == before
    assert AuditEvent.objects.count() == events
    # Everything typed is shown again.
    assert f'value="{escape(data["value"])}"' in html
    if data["note"]:
        assert f'value="{escape(data["note"])}"' in html


def test_an_unknown_kind_or_action_is_refused_on_its_field(admin_client: Client) -> None:
    response = admin_client.post(ADD, form("phone", "ban", "203.0.113.7"))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_errors(html, "kind") == ["Choose one of the kinds listed."]
    assert field_errors(html, "action") == ["Choose one of the actions listed."]
    assert 'value="203.0.113.7"' in html
    assert not ListEntry.objects.exists()


def test_an_administrator_edits_an_entry(admin_client: Client, administrator: User) -> None:
    saved = entry(administrator, ListKind.IP, ListAction.SHARED, "198.51.100.0/24", limit_factor=5)
    edit = reverse("lists:edit", args=[saved.pk])
    page = admin_client.get(edit).content.decode()
    assert 'value="198.51.100.0/24"' in page
    assert 'value="5"' in page
    response = admin_client.post(edit, form(ListKind.IP, ListAction.SHARED, "198.51.100.0/23", "40", "Hospital"))
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.value, saved.limit_factor, saved.note) == ("198.51.100.0/23", 40, "Hospital")
    assert AuditEvent.objects.filter(action="signer_list.updated", target_id=str(saved.pk)).exists()
    refused = admin_client.post(edit, form(ListKind.IP, ListAction.SHARED, "198.51.100.7/23", "40"))
    assert refused.status_code == 400
    saved.refresh_from_db()
    assert saved.value == "198.51.100.0/23"


def test_removing_asks_first_and_only_the_post_removes(admin_client: Client, administrator: User) -> None:
    saved = entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "spam.example", note="Bots")
    remove = reverse("lists:remove", args=[saved.pk])
    page = admin_client.get(remove)
    assert page.status_code == 200
    assert "spam.example" in page.content.decode()
    assert f'<form method="post" action="{remove}">' in page.content.decode()
    assert ListEntry.objects.filter(pk=saved.pk).exists()
    assert admin_client.post(remove).status_code == 302
    assert not ListEntry.objects.filter(pk=saved.pk).exists()
    assert AuditEvent.objects.filter(action="signer_list.removed").exists()
    assert admin_client.get(remove).status_code == 404


def test_the_list_is_grouped_by_action_and_filtered_by_kind_and_action(
    admin_client: Client, administrator: User
) -> None:
    entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "spam.example", note="Bots")
    entry(administrator, ListKind.IP, ListAction.ALLOW, "192.0.2.0/24")
    entry(administrator, ListKind.IP, ListAction.SHARED, "198.51.100.0/24", limit_factor=30, note="Hospital")
    page = admin_client.get(ENTRIES).content.decode()
    assert all(value in page for value in ("spam.example", "192.0.2.0/24", "198.51.100.0/24", "Hospital", ">30<"))
    only_ip = admin_client.get(ENTRIES, {"kind": ListKind.IP}).content.decode()
    assert "spam.example" not in only_ip
    assert "192.0.2.0/24" in only_ip
    only_shared = admin_client.get(ENTRIES, {"action": ListAction.SHARED}).content.decode()
    assert "198.51.100.0/24" in only_shared
    assert "192.0.2.0/24" not in only_shared
    bad = admin_client.get(ENTRIES, {"kind": "phone"})
    assert bad.status_code == 400
    assert "Choose one of the kinds listed." in bad.content.decode()


# --- Who may do what ------------------------------------------------------------------------------


def test_a_moderator_reads_without_forms_and_is_refused_every_change(
    moderator_client: Client, administrator: User
) -> None:
    saved = entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "spam.example")
    page = moderator_client.get(ENTRIES)
    html = page.content.decode()
    assert page.status_code == 200
    assert "spam.example" in html
    assert 'method="post"' not in html.split('id="main"')[1].split("</main>")[0]
    assert reverse("lists:add") not in html
    assert reverse("lists:edit", args=[saved.pk]) not in html
    for url in (ADD, reverse("lists:edit", args=[saved.pk]), reverse("lists:remove", args=[saved.pk])):
        assert moderator_client.get(url).status_code == 403
        assert moderator_client.post(url, form(ListKind.IP, ListAction.BLOCK, "203.0.113.7")).status_code == 403
    assert list(ListEntry.objects.values_list("value", flat=True)) == ["spam.example"]


@pytest.mark.parametrize("role", ["responder", "clerk"])
def test_other_staff_are_refused(client: Client, role: str, request: pytest.FixtureRequest) -> None:
    client.force_login(request.getfixturevalue(role))
    for url in (ENTRIES, ADD, reverse("lists:edit", args=[1]), reverse("lists:remove", args=[1])):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for url in (ENTRIES, ADD):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    client.post(ADD, form(ListKind.IP, ListAction.BLOCK, "203.0.113.7"))
    assert not ListEntry.objects.exists()


# --- The test box ---------------------------------------------------------------------------------


def test_box(client: Client, **query: str) -> str:
    response = client.get(ENTRIES, query)
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    return html.split('id="test-result"')[1].split("</div>")[0]


test_box.__test__ = False  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "value", "query", "says"),
    [
        (ListKind.EMAIL, "jsmith@gmail.com", {"email": "J.Smith+x@googlemail.com"}, "it matches the email address"),
        (ListKind.EMAIL_DOMAIN, "spam.example", {"email": "bot@mail.spam.example"}, "it covers the email domain"),
        (ListKind.IP, "203.0.113.0/24", {"ip": "203.0.113.9"}, "it covers the IP address"),
        (ListKind.IP, "203.0.113.0/24", {"ip": "::ffff:203.0.113.9"}, "it covers the IP address"),
    ],
)
def test_the_box_names_the_blocking_entry(
    moderator_client: Client, administrator: User, kind: str, value: str, query: dict[str, str], says: str
) -> None:
    entry(administrator, kind, ListAction.BLOCK, value, note="Seen in the alerts")
    result = test_box(moderator_client, **query)
    assert "<strong>Blocked</strong>" in result
    assert f"<code>{value}</code>" in result
    assert says in result
    assert "Seen in the alerts" in result


def test_the_box_shows_the_canonical_form(moderator_client: Client) -> None:
    result = test_box(moderator_client, email="J.Smith+x@googlemail.com")
    assert "<code>jsmith@gmail.com</code>" in result
    assert "No entry applies" in result


def test_the_box_names_the_allowing_entry(moderator_client: Client, administrator: User) -> None:
    entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.ALLOW, "council.example")
    result = test_box(moderator_client, email="ann@council.example", ip="192.0.2.1")
    assert "<strong>Allowed</strong>" in result
    assert "<code>council.example</code>" in result
    assert "Blocked" not in result


def test_the_box_names_the_shared_networks_and_their_factor(moderator_client: Client, administrator: User) -> None:
    entry(administrator, ListKind.IP, ListAction.SHARED, "198.51.100.0/24", limit_factor=30, note="Hospital")
    entry(administrator, ListKind.IP, ListAction.SHARED, "198.51.100.0/25", limit_factor=40)
    entry(administrator, ListKind.IP, ListAction.SHARED, "192.0.2.0/24", limit_factor=50)
    result = test_box(moderator_client, ip="198.51.100.7")
    assert "In a shared network" in result
    assert "<code>198.51.100.0/24</code>, limit factor 30" in result
    assert "Hospital" in result
    assert "<code>198.51.100.0/25</code>, limit factor 40" in result
    assert "192.0.2.0/24" not in result
    assert "the usual ones times 40" in result


def test_the_box_says_a_domain_is_disposable_and_what_its_policy_does(
    moderator_client: Client, administrator: User, settings: Any
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "DISPOSABLE_EMAIL_POLICY": "hold"}
    result = test_box(moderator_client, email="x@mailinator.com")
    assert "A disposable email domain" in result
    assert "held, and count only once released" in result
    entry(administrator, ListKind.EMAIL_DOMAIN, ListAction.ALLOW, "mailinator.com")
    result = test_box(moderator_client, email="x@mailinator.com")
    assert "an allow-list entry for the domain exempts it" in result


def test_the_box_says_an_address_is_a_privacy_relay(moderator_client: Client) -> None:
    result = test_box(moderator_client, email="abc@user.mozmail.com")
    assert "A privacy relay" in result
    assert "marked for administrators" in result
    assert "A disposable email domain" not in result


def test_the_box_says_when_nothing_matches(moderator_client: Client, administrator: User) -> None:
    entry(administrator, ListKind.IP, ListAction.BLOCK, "203.0.113.0/24")
    result = test_box(moderator_client, email="ann@example.org", ip="192.0.2.1")
    assert "No entry applies" in result
    assert "<code>192.0.2.1</code>" in result


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"email": "ann@"}, "email", "“ann@” is not an email address."),
        ({"ip": "203.0.113.0/24"}, "ip", "“203.0.113.0/24” is not an IP address."),
        ({"ip": "999.1.1.1", "email": "ann@example.org"}, "ip", "“999.1.1.1” is not an IP address."),
    ],
)
def test_the_box_refuses_bad_input_on_its_field_and_keeps_it(
    moderator_client: Client, query: dict[str, str], field: str, message: str
) -> None:
    response = moderator_client.get(ENTRIES, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert [error.startswith(message) for error in field_errors(html, field)] == [True]
    for typed in query.values():
        assert f'value="{typed}"' in html
    assert 'id="test-result"' not in html


def test_the_box_asks_for_something(moderator_client: Client) -> None:
    response = moderator_client.get(ENTRIES, {"email": "", "ip": " "})
    assert response.status_code == 400
    assert "Give an email address, an IP address or both." in response.content.decode()


def test_the_box_keeps_nothing(moderator_client: Client, caplog: pytest.LogCaptureFixture) -> None:
    events = AuditEvent.objects.count()
    with caplog.at_level("DEBUG"):
        test_box(moderator_client, ip="203.0.113.77")
    assert "203.0.113.77" not in caplog.text
    assert AuditEvent.objects.count() == events
    assert not ListEntry.objects.exists()


# --- A change applies at once ---------------------------------------------------------------------


def test_a_domain_blocked_on_the_page_catches_the_next_signature(
    admin_client: Client, moderator: User, scheme: Any
) -> None:
    petition = open_petition(moderator=moderator)
    before = attempt_signature(petition, 1, email="ann@spam.example")
    assert Signature.objects.get(pk=before.signature_id).state != SignatureState.FRAUDULENT
    assert admin_client.post(ADD, form(ListKind.EMAIL_DOMAIN, ListAction.BLOCK, "Spam.Example")).status_code == 302
    after = attempt_signature(petition, 2, email="bob@mail.spam.example")
    assert Signature.objects.get(pk=after.signature_id).state == SignatureState.FRAUDULENT
