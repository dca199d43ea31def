"""Signing and confirming. Every page here is no-store: they carry personal links."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from townhall.core.errors import DomainError, NotFound
from townhall.core.forms import show_refusal
from townhall.core.http import no_store
from townhall.core.net import client_ip
from townhall.petitions.models import Petition
from townhall.petitions.selectors import petition_get_for_signing
from townhall.schemes.selectors import scheme_get_current
from townhall.signatures.forms import FIELDS_BY_CODE, SignForm
from townhall.signatures.services import (
    check_can_sign,
    signature_confirm,
    signature_create,
    signature_get_by_token,
    signature_get_for_unsubscribe,
    signature_get_for_withdraw,
    signature_unsubscribe,
    signature_withdraw,
)


def _petition(pk: int, *, for_display: bool) -> Petition:
    """The petition being signed: read afresh for a write; for a page that only shows it,
    a copy at most PUBLIC_READ_CACHE_SECONDS old."""
    max_age = float(settings.TOWNHALL["PUBLIC_READ_CACHE_SECONDS"]) if for_display else 0.0
    petition = petition_get_for_signing(petition_id=pk, max_age=max_age)
    if petition is None:
        raise NotFound("There is no petition with that number.")
    return petition


def _sign(request: HttpRequest, pk: int, sponsor_token: str | None) -> HttpResponse:
    petition = _petition(pk, for_display=request.method != "POST")
    scheme = scheme_get_current()
    form = SignForm(
        request.POST or None,
        declaration=scheme.eligibility_declaration,
        proof_of_work=scheme.proof_of_work_required or petition.proof_of_work_required,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                signature_create(
                    petition_id=pk,
                    name=data["name"],
                    email=data["email"],
                    postcode=data["postcode"],
                    declared_eligible=data["declared_eligible"],
                    wants_updates=data["wants_updates"],
                    sponsor_token=sponsor_token,
                    ip=client_ip(request),
                    petition=petition,
                )
            except DomainError as error:
                # A petition that cannot be signed now is said plainly above the form.
                status = show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
            else:
                # The same answer whatever happened: whether an address has signed is told
                # only to its mailbox.
                return redirect("signatures:check_email", pk=pk)
    else:
        # A GET for a petition that cannot be signed explains why instead of a form.
        check_can_sign(petition, sponsor_token=sponsor_token)
    return render(
        request,
        "signatures/sign.html",
        {"petition": petition, "form": form, "scheme": scheme, "is_sponsor": sponsor_token is not None},
        status=status,
    )


@no_store
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _sign(request, pk, None)


@no_store
@require_http_methods(["GET", "POST"])
def sponsor(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    return _sign(request, pk, token)


@no_store
@require_safe
def check_email(request: HttpRequest, pk: int) -> HttpResponse:
    petition = _petition(pk, for_display=True)
    return render(request, "signatures/check_email.html", {"petition": petition})


@no_store
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows a confirm button and confirms nothing; the POST confirms."""
    if request.method == "POST":
        outcome = signature_confirm(signature_id=pk, token=token)
        return render(
            request,
            "signatures/confirmed.html",
            {
                "petition": outcome.signature.petition,
                "outcome": outcome.kind,
                "signature": outcome.signature,
                "awaiting_checks": outcome.awaiting_checks,
            },
        )
    signature = signature_get_by_token(
        signature_id=pk, token=token, petition_max_age=float(settings.TOWNHALL["PUBLIC_READ_CACHE_SECONDS"])
    )
    return render(
        request,
        "signatures/confirm.html",
        # A caught (fraudulent) signature sees the same button as anyone.
        {"signature": signature, "petition": signature.petition, "already": signature.state == "verified"},
    )


@no_store
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows a button; POST unsubscribes. Mail clients' one-click (RFC 8058) POSTs here.

    CSRF-exempt because the mail client posts without a session; the token is the proof.
    """
    if request.method == "POST":
        signature = signature_unsubscribe(signature_id=pk, token=token)
        return render(request, "signatures/unsubscribed.html", {"petition": signature.petition})
    signature = signature_get_for_unsubscribe(signature_id=pk, token=token)
    return render(
        request,
        "signatures/unsubscribe.html",
        {"petition": signature.petition, "subscribed": signature.wants_updates},
    )


@no_store
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET asks "are you sure?"; only the POST withdraws (mail scanners fetch links)."""
    if request.method == "POST":
        signature = signature_withdraw(signature_id=pk, token=token)
        return render(request, "signatures/withdrawn.html", {"petition": signature.petition})
    signature = signature_get_for_withdraw(signature_id=pk, token=token)
    return render(
        request,
        "signatures/withdraw.html",
        {"petition": signature.petition, "already": signature.state == "invalidated"},
    )
