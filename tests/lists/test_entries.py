"""Allow and block list entries: stored in the form they are compared in, refused with a
specific message when they could never match, and matched as residents' addresses are."""

from __future__ import annotations

import importlib
import ipaddress
from typing import Any

import pytest
from django.apps import apps as live_apps
from django.conf import settings as django_settings

from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.selectors import lists_current, resident_block_reason
from townhall.lists.services import list_entry_delete, list_entry_save

pytestmark = pytest.mark.django_db


def block(administrator: User, kind: str, value: str) -> ListEntry:
    return list_entry_save(entry=ListEntry(kind=kind, action=ListAction.BLOCK, value=value), actor=administrator)


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (ListKind.EMAIL, " J.Smith+Petitions@GoogleMail.com ", "jsmith@gmail.com"),
        (ListKind.EMAIL, "Ann.Lee@Example.org", "ann.lee@example.org"),  # dots matter off gmail
        (ListKind.EMAIL, "ann@Bücher.example", "ann@xn--bcher-kva.example"),
        (ListKind.EMAIL_DOMAIN, "@Example.COM.", "example.com"),
        (ListKind.EMAIL_DOMAIN, "googlemail.com", "gmail.com"),
        (ListKind.EMAIL_DOMAIN, "BÜCHER.example", "xn--bcher-kva.example"),
        (ListKind.IP, "203.0.113.7", "203.0.113.7/32"),
        (ListKind.IP, "203.0.113.0/24", "203.0.113.0/24"),
        (ListKind.IP, "2001:DB8:0:0::1", "2001:db8::1/128"),
        (ListKind.IP, "2001:db8:1::/48", "2001:db8:1::/48"),
    ],
)
def test_entries_are_stored_normalised(administrator: User, kind: str, typed: str, stored: str) -> None:
    assert block(administrator, kind, typed).value == stored
    assert ListEntry.objects.get().value == stored


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        (ListKind.IP, "127", "“127” is not an IP address or network. Enter an address such as 203.0.113.7"),
        (ListKind.IP, "not-an-ip", "“not-an-ip” is not an IP address or network."),
        (ListKind.IP, "1.2.3.4/99", "“1.2.3.4/99” is not an IP address or network."),
        (ListKind.IP, "203.0.113.7/24", "enter the network as 203.0.113.0/24, or one address as 203.0.113.7"),
        (ListKind.IP, "  ", "Give the address, network or domain."),
        (
            ListKind.EMAIL_DOMAIN,
            "*.example.com",
            "no wildcard is needed, as a domain entry covers its subdomains. Enter example.com",
        ),
        (ListKind.EMAIL_DOMAIN, "ann@example.com", "is an email address, not a domain"),
        (ListKind.EMAIL_DOMAIN, "com", "“com” is not a domain. Enter one such as example.com."),
        (ListKind.EMAIL_DOMAIN, "exa mple.com", "is not a domain"),
        (ListKind.EMAIL_DOMAIN, "", "Give the address, network or domain."),
        (ListKind.EMAIL, "ann@", "“ann@” is not an email address."),
        (ListKind.EMAIL, "example.com", "choose “Email domain”"),
    ],
)
def test_entries_that_could_never_match_are_refused_and_nothing_is_stored(
    administrator: User, kind: str, typed: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        block(administrator, kind, typed)
    assert message in refused.value.message
    assert not ListEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="signer_list").exists()


def test_the_same_entry_twice_is_refused_in_its_normal_form(administrator: User) -> None:
    block(administrator, ListKind.EMAIL, "jsmith@gmail.com")
    with pytest.raises(DomainError, match="already on this list"):
        block(administrator, ListKind.EMAIL, "J.Smith@googlemail.com")
    assert ListEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("listed", "email"),
    [("jsmith@googlemail.com", "j.smith@gmail.com"), ("j.smith@gmail.com", "jsmith+x@googlemail.com")],
)
def test_a_blocked_gmail_address_matches_every_spelling_of_the_mailbox(
    administrator: User, listed: str, email: str
) -> None:
    block(administrator, ListKind.EMAIL, listed)
    assert resident_block_reason(email=email, ip=None) == "blocked_email"
    assert resident_block_reason(email="someone.else@gmail.com", ip=None) == ""


@pytest.mark.parametrize("domain", django_settings.TOWNHALL["PLUS_TAG_EMAIL_DOMAINS"])
def test_a_blocked_address_on_a_plus_tag_domain_matches_every_tag_but_keeps_its_dots(
    administrator: User, domain: str
) -> None:
    assert block(administrator, ListKind.EMAIL, f"Ann.Lee+Spam@{domain}").value == f"ann.lee@{domain}"
    for email in (f"ann.lee@{domain}", f"ann.lee+petitions@{domain}", f"ANN.LEE+x+y@{domain.upper()}"):
        assert resident_block_reason(email=email, ip=None) == "blocked_email", email
    assert resident_block_reason(email=f"annlee+petitions@{domain}", ip=None) == ""
    assert resident_block_reason(email=f"ann.lee+x@mail.{domain}", ip=None) == ""


def test_a_domain_covers_its_subdomains_and_aliases(administrator: User) -> None:
    block(administrator, ListKind.EMAIL_DOMAIN, "spam.example")
    block(administrator, ListKind.EMAIL_DOMAIN, "googlemail.com")
    assert resident_block_reason(email="a@spam.example", ip=None) == "blocked_domain"
    assert resident_block_reason(email="a@mail.SPAM.example", ip=None) == "blocked_domain"
    assert resident_block_reason(email="a@notspam.example", ip=None) == ""
    assert resident_block_reason(email="a.b@gmail.com", ip=None) == "blocked_domain"


@pytest.mark.parametrize(
    ("entry", "inside", "outside"),
    [
        ("203.0.113.0/24", "203.0.113.250", "203.0.114.1"),
        ("2001:db8:1::/48", "2001:db8:1:ffff::9", "2001:db8:2::1"),
        ("2001:db8::7", "2001:db8::7", "2001:db8::8"),
        ("203.0.113.9", "::ffff:203.0.113.9", "203.0.113.10"),
    ],
)
def test_networks_and_ipv6_addresses_match(administrator: User, entry: str, inside: str, outside: str) -> None:
    block(administrator, ListKind.IP, entry)
    assert resident_block_reason(email="a@example.org", ip=inside) == "blocked_ip"
    assert resident_block_reason(email="a@example.org", ip=outside) == ""
    assert resident_block_reason(email="a@example.org", ip="not an ip") == ""


def test_a_removed_entry_stops_matching_at_once(administrator: User) -> None:
    entry = block(administrator, ListKind.EMAIL_DOMAIN, "spam.example")
    assert resident_block_reason(email="a@spam.example", ip=None) == "blocked_domain"
    list_entry_delete(entry_id=entry.pk, actor=administrator)
    assert resident_block_reason(email="a@spam.example", ip=None) == ""


def test_allow_entries_allow_and_never_block(administrator: User) -> None:
    list_entry_save(
        entry=ListEntry(kind=ListKind.EMAIL_DOMAIN, action=ListAction.ALLOW, value="Council.example"),
        actor=administrator,
    )
    lists = lists_current()
    assert lists.allows(email="clerk@it.council.example", address=None)
    assert not lists.allows(email="clerk@elsewhere.example", address=None)
    assert resident_block_reason(email="clerk@council.example", ip=None) == ""


def shared(administrator: User, value: str, *, kind: str = ListKind.IP, factor: int | None = None) -> ListEntry:
    entry = ListEntry(kind=kind, action=ListAction.SHARED, value=value, limit_factor=factor, note="University")
    return list_entry_save(entry=entry, actor=administrator)


def test_a_shared_network_raises_the_limits_of_the_addresses_inside_it_and_neither_allows_nor_blocks(
    administrator: User,
) -> None:
    shared(administrator, "203.0.113.0/24", factor=5)
    shared(administrator, "203.0.0.0/16")  # the default factor
    lists = lists_current()
    assert lists.shared_factor(ipaddress.ip_address("203.0.113.9")) == 10  # the larger of the two
    assert lists.shared_factor(ipaddress.ip_address("203.0.9.9")) == 10
    assert lists.shared_factor(ipaddress.ip_address("::ffff:203.0.113.9")) == 10
    assert lists.shared_factor(ipaddress.ip_address("198.51.100.1")) == 1
    assert lists.shared_factor(None) == 1
    assert not lists.allows(email="a@example.org", address=ipaddress.ip_address("203.0.113.9"))
    assert resident_block_reason(email="a@example.org", ip="203.0.113.9") == ""
    event = AuditEvent.objects.filter(action="signer_list.added").latest("pk")
    assert event.data["limit_factor"] == 10


@pytest.mark.parametrize(
    ("kind", "action", "factor", "message"),
    [
        (ListKind.EMAIL_DOMAIN, ListAction.SHARED, 5, "A shared network is an IP address or network"),
        (ListKind.EMAIL, ListAction.SHARED, None, "A shared network is an IP address or network"),
        (ListKind.IP, ListAction.SHARED, 1, "Give a limit factor from 2 to 100."),
        (ListKind.IP, ListAction.SHARED, 101, "Give a limit factor from 2 to 100."),
        (ListKind.IP, ListAction.ALLOW, 5, "Only a shared network has a limit factor"),
        (ListKind.IP, ListAction.BLOCK, 5, "Only a shared network has a limit factor"),
    ],
)
def test_a_limit_factor_only_on_a_shared_network_within_bounds(
    administrator: User, kind: str, action: str, factor: int | None, message: str
) -> None:
    value = "203.0.113.0/24" if kind == ListKind.IP else "example.org"
    entry = ListEntry(kind=kind, action=action, value=value, limit_factor=factor)
    with pytest.raises(DomainError) as refused:
        list_entry_save(entry=entry, actor=administrator)
    assert message in refused.value.message
    assert not ListEntry.objects.exists()


def test_the_admin_form_takes_a_shared_network_and_refuses_a_factor_out_of_bounds(
    administrator: User, client: Any
) -> None:
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    form = {"kind": "ip", "action": "shared", "value": "203.0.113.0/24", "limit_factor": "500", "note": "Campus"}
    refused = client.post("/admin/lists/listentry/add/", form)
    assert refused.status_code == 200
    assert "Give a limit factor from 2 to 100." in refused.content.decode()
    assert not ListEntry.objects.exists()
    assert client.post("/admin/lists/listentry/add/", {**form, "limit_factor": "20"}).status_code == 302
    assert ListEntry.objects.get().limit_factor == 20


def test_the_admin_form_shows_the_refusal_on_the_value(administrator: User, client: Any) -> None:
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    response = client.post("/admin/lists/listentry/add/", {"kind": "ip", "action": "block", "value": "127", "note": ""})
    assert response.status_code == 200
    assert "“127” is not an IP address or network." in response.content.decode()
    assert not ListEntry.objects.exists()
    saved = client.post(
        "/admin/lists/listentry/add/", {"kind": "email", "action": "block", "value": "J.Smith@googlemail.com"}
    )
    assert saved.status_code == 302
    assert ListEntry.objects.get().value == "jsmith@gmail.com"


def test_the_migration_normalises_old_entries_and_removes_those_that_never_matched(scheme: Any) -> None:
    migration = importlib.import_module("townhall.lists.migrations.0003_normalise_entries")
    rows = {
        ("ip", "block", "203.0.113.7/24"): "203.0.113.0/24",  # applied leniently before: kept as it applied
        ("ip", "block", " 127 "): None,
        ("email_domain", "block", "@Spam.Example"): "spam.example",
        ("email_domain", "block", "*.example.com"): None,
        ("email", "block", "J.Smith@googlemail.com"): "jsmith@gmail.com",
        ("email", "block", "jsmith@gmail.com"): None,  # the same mailbox again: merged into the first
    }
    created = {key: ListEntry.objects.create(kind=key[0], action=key[1], value=key[2]).pk for key in rows}
    migration.normalise_entries(live_apps, None)
    for key, expected in rows.items():
        entry = ListEntry.objects.filter(pk=created[key]).first()
        assert (entry.value if entry else None) == expected, key
    removed = AuditEvent.objects.filter(action="list.removed_by_migration")
    assert removed.count() == 3
    assert all("value" not in event.data for event in removed)  # the log keeps no addresses


def test_the_plus_tag_migration_rewrites_email_entries_and_leaves_those_that_would_repeat_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = importlib.import_module("townhall.lists.migrations.0004_plus_tag_aliases")
    rows = [  # (kind, action, value as an older rule stored it, value after)
        ("email", "block", "ann+a@outlook.com", "ann@outlook.com"),
        ("email", "block", "ann+b@outlook.com", "ann+b@outlook.com"),  # the same mailbox listed again: left
        ("email", "allow", "ann+c@outlook.com", "ann@outlook.com"),  # the other list: its own entry
        ("email", "block", "bob@icloud.com", "bob@icloud.com"),
        ("email", "block", "bob+x@icloud.com", "bob+x@icloud.com"),  # the untagged entry exists: left
        ("email", "block", "c.d+x@pm.me", "c.d@pm.me"),  # dots are kept
        ("email", "block", "eve+x@example.org", "eve+x@example.org"),  # another domain
        ("email_domain", "block", "outlook.com", "outlook.com"),
    ]
    created = [ListEntry.objects.create(kind=kind, action=action, value=old).pk for kind, action, old, _ in rows]
    migration.drop_plus_tags(live_apps, None)
    assert [ListEntry.objects.get(pk=pk).value for pk in created] == [after for *_, after in rows]
    assert "Email list entries without their +tag: 2 left as they were" in capsys.readouterr().out
    # What is left over still matches the mailbox it always did.
    assert resident_block_reason(email="ann+zzz@outlook.com", ip=None) == "blocked_email"
