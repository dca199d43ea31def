"""Errors that leave before any API view runs are JSON too, in the API's one error shape.

Every path under /api/ answers its errors as `{"error": {"code", "message"}}`
(townhall/api/errors.py), whoever refuses the request: the NUL refusal in the middleware,
Django's 400, 403 (CSRF), 404 and 500 handlers. Everywhere else the same refusals stay the
site's HTML pages.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.routes import site_urls
from townhall.core import middleware

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "What was sent contains a NUL character (a zero byte), which cannot be stored. Remove it and try again."


def api_addresses() -> list[str]:
    """Every named route under /api/, its parameters filled with placeholders: the refusals
    below happen before any view looks for a record."""
    found = []
    for name, pattern in site_urls().items():
        converters = getattr(pattern.pattern, "converters", {})
        address = reverse(name, kwargs=dict.fromkeys(converters, "1"))
        if address.startswith("/api/"):
            found.append(address)
    return sorted(found)


def error_of(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message"}
    return error


def test_the_api_routes_are_all_found() -> None:
    addresses = api_addresses()
    assert {"/api/docs", "/api/v1/petitions", "/api/v1/petitions/1", "/api/v1/openapi.json"} <= set(addresses)
    assert len(addresses) >= 15


@pytest.mark.parametrize("address", api_addresses())
def test_a_nul_in_the_query_of_any_api_route_is_a_json_400(client: Client, address: str) -> None:
    for query in ("q=%00", "%00=1", "page=1&q=a%00b"):
        response = client.get(f"{address}?{query}")

        assert response.status_code == 400, query
        assert error_of(response) == {"code": "nul_character", "message": NUL_MESSAGE}
        assert response["Cache-Control"] == "no-store"


def test_a_nul_in_an_api_path_is_a_json_400(client: Client) -> None:
    for address in ("/api/v1/petitions/1%00", "/api/v1/no%00where", "/api/%00"):
        response = client.get(address)

        assert response.status_code == 400, address
        assert error_of(response) == {"code": "nul_character", "message": NUL_MESSAGE}


@pytest.mark.parametrize("address", ["/petitions/?q=%00", "/petitions.json?q=%00", "/apiary?q=%00", "/healthz%00"])
def test_a_nul_anywhere_else_is_still_the_html_page(client: Client, address: str) -> None:
    response = client.get(address)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize("address", ["/api/", "/api/v2/petitions", "/api/docs/", "/api/v1/no-such-endpoint"])
def test_an_unknown_address_under_api_is_a_json_404(address: str) -> None:
    # With the CSRF check on, as for a real client: nothing is there to refuse a POST.
    client = Client(enforce_csrf_checks=True)
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(address)

        assert response.status_code == 404, (method, address)
        assert error_of(response)["code"] == "not_found"


def test_an_unknown_address_elsewhere_is_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_failed_csrf_check_under_api_is_a_json_403() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/docs")

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    page = client.post("/staff/login/", {"username": "x", "password": "y"})
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")


def test_a_method_the_docs_page_refuses_is_a_json_405(client: Client) -> None:
    response = client.options("/api/docs")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("address", "extra"),
    [
        # More query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: Django refuses them as suspicious.
        ("/api/v1/petitions?" + "&".join(f"p{i}=1" for i in range(1001)), {}),
        # A Host header the site does not serve.
        ("/api/v1/petitions", {"HTTP_HOST": "elsewhere.example"}),
    ],
)
def test_a_request_django_refuses_as_bad_is_a_json_400_under_api(client: Client, address: str, extra: Any) -> None:
    response = client.get(address, **extra)

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    page = client.get(address.replace("/api/v1/petitions", "/petitions/"), **extra)
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


def test_a_failure_before_any_view_is_a_json_500_under_api(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: Any) -> bool:
        raise RuntimeError("the middleware broke")

    monkeypatch.setattr(middleware, "_has_nul", broken)
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/petitions")

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "broke" not in error["message"]
    page = client.get("/petitions/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
