"""The permission matrix: every named URL and every admin model, requested as each kind of
visitor, meets what the access table (townhall/accounts/access.py) says. A URL or admin
model with no row in the table fails here, as does a stale matrix in docs/permissions.md."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, reverse

from tests.builders import staff
from tests.routes import site_urls
from townhall.accounts.access import (
    ADMIN_MODELS,
    LINK_ONLY,
    REFUSED,
    SHOWN,
    SIGN_IN,
    URL_AUDIENCE,
    VISITORS,
    expected,
    expected_in_admin,
)
from townhall.accounts.management.commands.access_matrix import docs_path, with_matrix
from townhall.accounts.models import Role

pytestmark = pytest.mark.django_db

# A value for each kind of URL argument. None of them names a real record or a real
# token: a page that checks who is asking before it looks anything up answers with the
# refusal or the sign-in; one that lets the visitor in then says the record is not found.
ARGUMENT_VALUES = {"int": "987654", "str": "x" * 32, "slug": "no-such-person", "path": "987654"}


def _address(name: str, pattern: URLPattern) -> str:
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {
        key: ARGUMENT_VALUES.get(type(converter).__name__.removesuffix("Converter").lower(), "987654")
        for key, converter in converters.items()
    }
    return reverse(name, kwargs=kwargs)


def _outcome(client: Client, address: str) -> str:
    response = client.get(address)
    if response.status_code == 302 and response["Location"].startswith("/staff/login/"):
        return SIGN_IN
    if response.status_code == 403:
        return REFUSED
    if response.status_code in (200, 204, 301, 302, 304, 400, 404, 405, 410):
        return SHOWN
    return f"unexpected {response.status_code}"


@pytest.fixture
def visitors(scheme: Any) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for role in VISITORS[1:]:
        client = Client()
        client.force_login(staff(f"a-{role}", Role(role)))
        clients[role] = client
    return clients


def test_every_named_url_has_a_row_in_the_access_table() -> None:
    urls = set(site_urls())
    assert sorted(urls - set(URL_AUDIENCE)) == []
    assert sorted(set(URL_AUDIENCE) - urls) == []


def test_every_admin_model_has_a_row_in_the_access_table() -> None:
    registered = {f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry}
    assert sorted(registered ^ set(ADMIN_MODELS)) == []


def test_every_url_meets_each_visitor_as_the_table_says(visitors: dict[str, Client]) -> None:
    wrong: list[str] = []
    checked = 0
    for name, pattern in sorted(site_urls().items()):
        address = _address(name, pattern)
        audience = URL_AUDIENCE[name]
        for visitor, client in visitors.items():
            want = expected(audience, visitor)
            got = _outcome(client, address)
            if want == LINK_ONLY:
                # Without the emailed token, no visitor (staff included) gets past the link.
                want, got = "not found", "not found" if client.get(address).status_code == 404 else got
            if got != want:
                wrong.append(f"{name} as {visitor}: {got}, expected {want}")
            checked += 1
    assert wrong == []
    assert checked == len(URL_AUDIENCE) * len(VISITORS)


def test_every_admin_model_meets_each_visitor_as_the_table_says(visitors: dict[str, Client]) -> None:
    wrong: list[str] = []
    for model in admin.site._registry:
        address = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for visitor, client in visitors.items():
            want = expected_in_admin(visitor)
            response = client.get(address)
            got = _outcome(client, address)
            if want == SHOWN and response.status_code != 200:
                got = f"unexpected {response.status_code}"
            if got != want:
                wrong.append(f"{address} as {visitor}: {got}, expected {want}")
    assert wrong == []


def test_the_matrix_in_the_docs_is_the_table_as_it_stands() -> None:
    document = docs_path().read_text()
    assert with_matrix(document) == document, "run: .venv/bin/python manage.py access_matrix --write"
