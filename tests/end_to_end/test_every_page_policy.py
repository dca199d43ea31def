"""Every route of the URL configuration, opened on the demo borough, answers with the site's
strict Content-Security-Policy; every HTML page it serves holds nothing that policy would
block (inline script or <style> without the page's nonce, style attributes, on* handlers).

ROUTES says how to open each route. A new route fails `test_every_route_is_walked` until it
has an entry there (or in NOT_WALKED, with the reason). Admin routes are walked for every
registered model (changelist, add, change, history, delete) as a superuser.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from tests.security import csp_directives, inline_code_problems, policy_problems
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.engagement.models import ContactMessage, PetitionUpdate
from townhall.integrity.models import AlertKind, InvalidationReason, TrendAlert
from townhall.integrity.services import Criteria, invalidation_request
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.services import list_entry_save
from townhall.mail.backends import OutboxBackend
from townhall.mail.models import OutboxMessage
from townhall.meetings.models import Meeting
from townhall.officials.models import Person
from townhall.petitions.models import Petition, PetitionState
from townhall.questions.models import Question
from townhall.responses.models import Response
from townhall.signatures.models import Signature, SignatureState


def _route_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    """Each route's full name; a route without a name is named by its pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name or pattern.pattern}"


class World:
    """The demo borough's records each route is opened with, and one of each record the
    demo does not make, so that every admin change form has something to show."""

    def __init__(self) -> None:
        self.admin = User.objects.get(username="admin")
        self.device = TOTPDevice.objects.create(user=self.admin, name="Authenticator app", confirmed=True)
        Group.objects.create(name="Editors")
        list_entry_save(
            entry=ListEntry(kind=ListKind.EMAIL_DOMAIN, action=ListAction.BLOCK, value="spam.example"),
            actor=self.admin,
        )
        invalidation_request(
            criteria=Criteria(petition_id=self.open.pk, domain="example.org"),
            reason=InvalidationReason.FRAUD,
            note="",
            actor=self.admin,
        )
        TrendAlert.objects.create(
            petition=self.open,
            kind=AlertKind.EMAIL_DOMAIN,
            value="example.org",
            hour_starting=timezone.now().replace(minute=0, second=0, microsecond=0),
            count=100,
            share_percent=60,
            created_at=timezone.now(),
        )
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="townhall.mail.tasks.send_queued_emails",
            queue_name="default",
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        )

    def petition(self, state: PetitionState) -> Petition:
        return Petition.objects.filter(state=state).order_by("pk").first()  # type: ignore[return-value]

    @cached_property
    def open(self) -> Petition:
        return self.petition(PetitionState.OPEN)

    @cached_property
    def signature(self) -> Signature:
        return Signature.objects.filter(petition=self.open, state=SignatureState.VERIFIED).order_by("pk")[0]

    @cached_property
    def message(self) -> ContactMessage:
        return ContactMessage.objects.order_by("pk")[0]

    def meeting(self, *, state: str, committee_kind: str | None = None) -> Meeting:
        meetings = Meeting.objects.filter(state=state).order_by("pk")
        if committee_kind:
            meetings = meetings.filter(committee__kind=committee_kind)
        return meetings[0]

    def question(self, state: str, **conditions: Any) -> Question:
        return Question.objects.filter(state=state, **conditions).order_by("pk")[0]

    @cached_property
    def outbox_message(self) -> OutboxMessage:
        OutboxBackend().send_messages([EmailMessage("A letter", "Hello", to=["rosa@example.org"])])
        return OutboxMessage.objects.latest("pk")


@dataclass(frozen=True)
class Visit:
    """Open `kwargs(world)` as `who` (None: anyone; "staff": the demo's administrator) and
    expect `status`. POST-only routes answer a GET with 405, which still carries the policy."""

    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    who: str | None = None
    status: int = 200
    query: str = ""
    path: str = ""  # for a route without a name, which cannot be reversed


PUBLIC_200 = Visit()
STAFF_200 = Visit(who="staff")
STAFF_POST_ONLY = Visit(who="staff", status=405)


def _pk(get: Callable[[World], models.Model]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": get(w).pk}


def _pk_token(
    get: Callable[[World], Any], attribute: str = "token", *, purpose: str | None = None
) -> Callable[[World], dict[str, Any]]:
    """The record's id and the token its emailed link carries: the one kept in `attribute`,
    or the one derived from it for `purpose` (core.tokens.link_token)."""

    def kwargs(w: World) -> dict[str, Any]:
        stored = getattr(get(w), attribute)
        return {"pk": get(w).pk, "token": stored if purpose is None else link_token(stored, purpose)}

    return kwargs


def _open(w: World) -> Petition:
    return w.open


def _awaiting_update(w: World) -> PetitionUpdate:
    return PetitionUpdate.objects.get(state="awaiting_moderation")


def _held(w: World) -> Meeting:
    return w.meeting(state="held")


def _scheduled(w: World) -> Meeting:
    return w.meeting(state="scheduled")


def _answered(w: World) -> Question:
    return Question.objects.filter(state="accepted").exclude(answer="").order_by("pk")[0]


ROUTES: dict[str, Visit] = {
    # UK-compatible JSON and the core pages
    "uk-petitions": PUBLIC_200,
    "uk-petition": Visit(_pk(_open)),
    "core:health": PUBLIC_200,
    "petitions:home": PUBLIC_200,
    "petitions:help": PUBLIC_200,
    "petitions:privacy": PUBLIC_200,
    "petitions:list": PUBLIC_200,
    "petitions:create": PUBLIC_200,
    "petitions:created": PUBLIC_200,
    "petitions:similar": Visit(query="?q=library"),
    "petitions:detail": Visit(_pk(_open)),
    "petitions:count": Visit(_pk(_open)),
    "petitions:creator_confirm": Visit(_pk_token(lambda w: w.petition(PetitionState.PENDING), "creator_token")),
    # Signing
    "signatures:sign": Visit(_pk(_open)),
    "signatures:sponsor": Visit(_pk_token(lambda w: w.petition(PetitionState.SPONSORING), "sponsor_token")),
    "signatures:check_email": Visit(_pk(_open)),
    "signatures:confirm": Visit(_pk_token(lambda w: w.signature)),
    "signatures:unsubscribe": Visit(_pk_token(lambda w: w.signature, purpose="unsubscribe")),
    "signatures:withdraw": Visit(_pk_token(lambda w: w.signature, purpose="withdraw")),
    # The embedded outbox
    "mail:outbox": PUBLIC_200,
    "mail:outbox_message": Visit(_pk(lambda w: w.outbox_message)),
    # Staff: integrity, responses, moderation, the staff home
    "integrity:overview": STAFF_200,
    "accounts:email": STAFF_200,
    "integrity:invalidate": STAFF_200,
    "lists:entries": STAFF_200,
    "lists:add": STAFF_200,
    "lists:edit": Visit(lambda w: {"entry_id": ListEntry.objects.order_by("pk")[0].pk}, "staff"),
    "lists:remove": Visit(lambda w: {"entry_id": ListEntry.objects.order_by("pk")[0].pk}, "staff"),
    "integrity:signature_search": Visit(who="staff", query="?name=a"),
    "integrity:signature_search_csv": Visit(who="staff", query="?name=a"),
    "responses:queue": STAFF_200,
    "responses:detail": Visit(_pk(lambda w: Response.objects.order_by("pk")[0]), "staff"),
    "responses:preview": Visit(_pk(lambda w: Response.objects.filter(published_at=None).order_by("pk")[0]), "staff"),
    "responses:publish": Visit(_pk(lambda w: Response.objects.filter(published_at=None).order_by("pk")[0]), "staff"),
    "moderation:queue": STAFF_200,
    "moderation:detail": Visit(_pk(lambda w: w.petition(PetitionState.AWAITING_MODERATION)), "staff"),
    "accounts:home": STAFF_200,
    "accounts:login": PUBLIC_200,
    "accounts:two_factor": STAFF_200,
    "accounts:logout": STAFF_POST_ONLY,
    # Accountability and meetings
    "accountability:officials": PUBLIC_200,
    "accountability:official": Visit(lambda w: {"slug": Person.objects.order_by("pk")[0].slug}),
    "meetings:list": PUBLIC_200,
    "meetings:detail": Visit(_pk(_held)),
    "meetings:clerk": STAFF_200,
    "meetings:committee_new": STAFF_200,
    "meetings:new": STAFF_200,
    "meetings:manage": Visit(_pk(_scheduled), "staff"),
    "meetings:agenda_item_new": Visit(_pk(_scheduled), "staff", 405),
    "meetings:cancel": Visit(_pk(_scheduled), "staff", 405),
    "meetings:outcome": Visit(_pk(_held), "staff"),
    # Questions
    "questions:ask": Visit(lambda w: {"meeting_id": w.meeting(state="scheduled", committee_kind="question_time").pk}),
    "questions:list": PUBLIC_200,
    "questions:ask_choose": PUBLIC_200,
    "questions:check_email": PUBLIC_200,
    "questions:confirm": Visit(_pk_token(lambda w: w.question("awaiting_moderation"))),
    "questions:verdict": Visit(_pk_token(_answered, purpose="verdict")),
    "questions:moderation_queue": STAFF_200,
    "questions:moderation_detail": Visit(_pk(lambda w: w.question("awaiting_moderation")), "staff"),
    "questions:accept": Visit(_pk(lambda w: w.question("awaiting_moderation")), "staff", 405),
    "questions:reject": Visit(_pk(lambda w: w.question("awaiting_moderation")), "staff", 405),
    "questions:answer_queue": STAFF_200,
    "questions:answer": Visit(_pk(lambda w: w.question("accepted", answer="")), "staff"),
    "questions:supplementary": Visit(_pk(_answered), "staff"),
    # Creators' updates and the contact relay
    "engagement:update_new": Visit(_pk_token(_open, "creator_token", purpose="update")),
    "engagement:contact": Visit(_pk(_open)),
    "engagement:contact_check_email": Visit(_pk(_open)),
    "engagement:message_confirm": Visit(_pk_token(lambda w: w.message)),
    "engagement:message_reply": Visit(_pk_token(lambda w: w.message, "recipient_token")),
    "engagement:message_report": Visit(_pk_token(lambda w: w.message, "recipient_token", purpose="report")),
    "engagement:update_queue": STAFF_200,
    "engagement:update_detail": Visit(_pk(_awaiting_update), "staff"),
    "engagement:update_approve": Visit(_pk(_awaiting_update), "staff", 405),
    "engagement:update_reject": Visit(_pk(_awaiting_update), "staff", 405),
    "engagement:reported_messages": STAFF_200,
    # Open data
    "api:v1:openapi-json": PUBLIC_200,
    "api:v1:api-root": Visit(status=404),
    "api:v1:scheme": PUBLIC_200,
    "api:v1:petition_list": PUBLIC_200,
    "api:v1:petition_detail": Visit(lambda w: {"petition_id": w.open.pk}),
    "api:v1:petition_breakdowns": Visit(lambda w: {"petition_id": w.open.pk}),
    "api:v1:response_list": PUBLIC_200,
    "api:v1:response_detail": Visit(lambda w: {"response_id": Response.objects.order_by("pk")[0].pk}),
    "api:v1:committees": PUBLIC_200,
    "api:v1:meeting_list": PUBLIC_200,
    "api:v1:meeting_detail": Visit(lambda w: {"meeting_id": _held(w).pk}),
    "api:v1:question_list": PUBLIC_200,
    "api:v1:question_verdicts": PUBLIC_200,
    "api:v1:question_detail": Visit(lambda w: {"question_id": _answered(w).pk}),
    "api:v1:official_list": PUBLIC_200,
    "api:v1:official_detail": Visit(lambda w: {"slug": Person.objects.order_by("pk")[0].slug}),
    "api:docs": PUBLIC_200,
    "api:petitions_csv": PUBLIC_200,
    "api:signatories_csv": Visit(_pk(_open), "staff"),
    "api:signatories_pdf": Visit(_pk(_open), "staff"),
    "api:widget": Visit(_pk(_open)),
    "api:feed_petitions": PUBLIC_200,
    "api:feed_responses": PUBLIC_200,
    "api:feed_questions": PUBLIC_200,
    # Moderation decisions: forms posted from the moderation page
    **{
        f"moderation:{name}": Visit(_pk(lambda w: w.petition(PetitionState.AWAITING_MODERATION)), "staff", 405)
        for name in (
            "approve",
            "reject",
            "take_down",
            "add_note",
            "second_opinion",
            "resolve_second_opinion",
            "remove",
            "remoderate",
            "review",
            "release",
        )
    },
    # The proof-of-work challenge (JSON)
    "altcha_django:challenge": PUBLIC_200,
}

NOT_WALKED = {
    "altcha_django:sentinel-challenge": "only for ALTCHA Sentinel, which is not configured: answers 404 JSON",
}

# The admin site's own routes; every registered model's views are walked by
# test_admin_pages_of_each_model_answer_with_the_strict_policy.
ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "history", "delete")
ROUTES |= {
    "admin:index": STAFF_200,
    "admin:login": Visit(status=302),  # the admin's sign-in is the staff sign-in
    "admin:logout": STAFF_POST_ONLY,
    "admin:password_change": STAFF_200,
    "admin:password_change_done": STAFF_200,
    "admin:jsi18n": STAFF_200,
    "admin:autocomplete": Visit(who="staff", status=403),  # without a field to complete
    "admin:app_list": Visit(lambda w: {"app_label": "petitions"}, "staff"),
    "admin:view_on_site": Visit(
        lambda w: {"content_type_id": ContentType.objects.get_for_model(Petition).pk, "object_id": w.open.pk},
        "staff",
        404,  # no model has a public page (get_absolute_url) to go to
    ),
    "admin:auth_user_password_change": Visit(lambda w: {"id": w.admin.pk}, "staff"),
    "admin:otp_totp_totpdevice_config": Visit(_pk(lambda w: w.device), "staff"),
    "admin:otp_totp_totpdevice_qrcode": Visit(_pk(lambda w: w.device), "staff"),
    "admin:<path:object_id>/": Visit(who="staff", status=302, path="/admin/petitions/petition/1/"),
    "admin:(?P<url>.*)$": Visit(who="staff", status=404, path="/admin/no-such-page/"),
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The demo borough, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield World()
        transaction.set_rollback(True)


def test_every_route_is_walked() -> None:
    names = set(_route_names(get_resolver().url_patterns))
    models_views = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
        for model in admin.site._registry
        for view in ADMIN_MODEL_VIEWS
    }

    assert names - models_views - ROUTES.keys() - NOT_WALKED.keys() == set(), "add the new routes to ROUTES"
    assert ROUTES.keys() - names == set(), "these routes no longer exist"
    assert ROUTES.keys() & NOT_WALKED.keys() == set()
    assert models_views <= names


def _check(response: Any, *, frameable: bool = False) -> list[str]:
    directives = csp_directives(response)
    problems = policy_problems(directives, frameable=frameable)
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        problems += inline_code_problems(response.content.decode(), directives)
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_with_the_strict_policy(name: str, demo: World, client: Client) -> None:
    visit = ROUTES[name]
    if visit.who == "staff":
        client.force_login(demo.admin)
    url = visit.path or reverse(name, kwargs=visit.kwargs(demo)) + visit.query

    response = client.get(url)

    assert response.status_code == visit.status, url
    assert _check(response, frameable=name == "api:widget") == [], url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=lambda m: m._meta.label
)
def test_admin_pages_of_each_model_answer_with_the_strict_policy(
    model: type[models.Model], demo: World, client: Client, settings: Any
) -> None:
    # The task queue as in production: the database's, whose results the admin lists.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
    client.force_login(demo.admin)
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    record = model._default_manager.order_by("pk").first()
    urls = [
        reverse(f"{info}_changelist"),
        reverse(f"{info}_add"),
        reverse("admin:app_list", args=[model._meta.app_label]),
    ]
    if record is not None:
        urls += [reverse(f"{info}_{view}", args=[record.pk]) for view in ("change", "history", "delete")]

    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), url  # 403: adding or deleting is not the admin's
        assert _check(response) == [], url
    if record is None:
        pytest.fail(f"the demo has no {model._meta.label}: its change form was not walked")
