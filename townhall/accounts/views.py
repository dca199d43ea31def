"""The staff landing page: each role sees the work its name says it does."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts import twofactor
from townhall.accounts.decorators import administrator_required, signed_in_required
from townhall.accounts.forms import TokenForm
from townhall.accounts.policies import can_administer, can_clerk, can_moderate, can_respond
from townhall.accounts.services import letters_retry
from townhall.core.http import no_store, safe_next, whole_number
from townhall.mail.selectors import letters_needing_attention, outbox_health

# The most letters the staff email page lists at once (newest problems first).
EMAIL_PAGE = 200


@signed_in_required
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/staff_home.html",
        {
            "staff_nav": True,
            "moderates": can_moderate(user),
            "responds": can_respond(user),
            "clerks": can_clerk(user),
            "administers": can_administer(user),
            "outbox": outbox_health(),
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def email(request: HttpRequest) -> HttpResponse:
    """Letters the mail server refused or that were given up, and those waiting to be tried
    again, with a way to send them again once the cause is mended."""
    if request.method == "POST":
        letter = whole_number(request.POST.get("letter", ""))
        if "letter" in request.POST and letter is None:
            messages.error(request, _("That letter number is not valid."))
            return redirect("accounts:email")
        retried = letters_retry(actor=request.user, letter_ids=None if letter is None else [letter])
        if retried:
            messages.success(
                request,
                ngettext("%(n)d letter will be sent again.", "%(n)d letters will be sent again.", retried)
                % {"n": retried},
            )
        else:
            messages.info(request, _("There was nothing to send again."))
        return redirect("accounts:email")
    return render(
        request,
        "accounts/email.html",
        {"staff_nav": True, "outbox": outbox_health(), "letters": letters_needing_attention()[:EMAIL_PAGE]},
    )


@no_store
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator app, or set one up first (the one staff page a
    session without its second factor may see, so it checks sign-in itself)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    device = twofactor.confirmed_device(request.user)
    setting_up = device is None
    if device is None:
        device = twofactor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, device, form.cleaned_data["token"]):
            return redirect(safe_next(request, request.GET.get("next"), "accounts:home"))
        form.add_error("token", _("That code is not right. Codes change every 30 seconds: try the current one."))
    context = {"form": form, "setting_up": setting_up}
    if setting_up:
        context |= {"qr": twofactor.qr_data_uri(device), "secret": twofactor.secret_for_typing(device)}
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)
