"""URL wiring only: each app owns its routes."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # UK-compatible JSON first: /petitions.json must not be taken for a page.
    path("", include("townhall.api.uk_urls")),
    path("", include("townhall.petitions.urls")),
    path("", include("townhall.signatures.urls")),
    path("", include("townhall.core.urls")),
    path("", include("townhall.mail.urls")),
    path("", include("townhall.integrity.urls")),
    path("", include("townhall.accountability.urls")),
    path("", include("townhall.responses.urls")),
    path("", include("townhall.meetings.urls")),
    path("", include("townhall.questions.urls")),
    path("", include("townhall.engagement.urls")),
    path("", include("townhall.areas.urls")),
    path("", include("townhall.api.urls")),
    path("moderation/", include("townhall.moderation.urls")),
    path("staff/", include("townhall.accounts.urls")),
    path("staff/", include("townhall.lists.urls")),
    path("admin/", admin.site.urls),
    path("altcha/", include("altcha_django.urls")),
]

# Django's error handlers: the HTML pages, or JSON under /api/ (townhall/core/errorpages.py).
handler400 = "townhall.core.errorpages.bad_request"
handler403 = "townhall.core.errorpages.permission_denied"
handler404 = "townhall.core.errorpages.page_not_found"
handler500 = "townhall.core.errorpages.server_error"
