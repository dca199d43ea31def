"""The API docs page and the embeddable count widget."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from townhall.api.v1.api import api
from townhall.core.http import conditional_public, make_etag
from townhall.petitions import selectors as petition_selectors
from townhall.schemes.selectors import scheme_get_current


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI for /api/v1/openapi.json (django-ninja renders it)."""
    return api.docs.render_page(request, api)


# The site's policy, except that any site may frame the widget: it is made for that, shows
# only public figures and a link opening in a new window, and takes no input.
WIDGET_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


@require_safe
@xframe_options_exempt
@csp_override(WIDGET_CSP)
def widget(request: HttpRequest, pk: int) -> HttpResponse:
    """A small page other sites may put in an iframe: the petition's count and a link.

    Only this page may be framed (every other page is X-Frame-Options: DENY and
    frame-ancestors 'none'). It carries no script, and is cached exactly like count.json
    (same short max-age, ETag on the count).
    """
    petition = petition_selectors.petition_get_public(petition_id=pk)
    return conditional_public(
        request,
        etag=make_etag("widget", petition.pk, petition.state, petition.signature_count),
        last_modified=petition.counted_at or petition.opened_at,
        render=lambda: render(
            request,
            "api/widget.html",
            {
                "petition": petition,
                "goal": petition_selectors.petition_goal(petition=petition, scheme=scheme_get_current()),
                "petition_url": request.build_absolute_uri(reverse("petitions:detail", args=[petition.pk])),
            },
        ),
    )
