"""Two-factor sign-in for staff (TOTP authenticator apps, via django-otp).

After the password, a staff member with a confirmed device enters a code; one without
sets a device up first. Until the session is verified, the StaffTwoFactorMiddleware
sends every staff page to these steps. Residents never sign in, so never see them.
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

EXEMPT_PREFIXES = ("/staff/login/", "/staff/logout/", "/staff/two-factor/")
# Pages that are only for staff; public pages stay open to a signed-in staff member
# (they are just a resident there). Staff powers themselves also check verification
# (accounts.policies), so a page missing from this list still grants nothing.
STAFF_PREFIXES = (
    "/staff/",
    "/admin/",
    "/moderation/",
    "/responses/",
    "/integrity/",
    "/meetings/clerk/",
    "/questions/moderation/",
    "/questions/answers/",
)


def session_is_verified(user: object) -> bool:
    """Whether this user's session passed the second factor (true outside requests)."""
    is_verified = getattr(user, "is_verified", None)
    return True if is_verified is None else bool(is_verified())


def two_factor_required() -> bool:
    return bool(settings.TOWNHALL["STAFF_2FA_REQUIRED"])


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice):
            return device
    return None


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being set up (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def secret_for_typing(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def verify(request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.strip()):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


class StaffTwoFactorMiddleware:
    """Send signed-in staff without a verified second factor to the two-factor step."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            two_factor_required()
            and user is not None
            and user.is_authenticated
            and not session_is_verified(user)
            and request.path.startswith(STAFF_PREFIXES)
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect_to_login(request.get_full_path(), "accounts:two_factor")
        response: HttpResponse = self.get_response(request)
        return response
