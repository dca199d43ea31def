"""Who reaches each page: the access table.

Every named URL and every model in the admin has one row here. The staff decorators
(`accounts/decorators.py`), the admin site (`accounts/sites.py`) and the emailed-link
tokens (`core/tokens.py`) enforce it; `tests/accounts/test_access_matrix.py` requests
every URL and admin model as each kind of visitor and checks the outcome against this
table (and fails for a URL or model that has no row); the matrix in
docs/permissions.md is rendered from it (`manage.py access_matrix --write`).
"""

from __future__ import annotations

from enum import StrEnum

from townhall.accounts.models import Role


class Audience(StrEnum):
    EVERYONE = "everyone"  # public pages, residents' forms, open data, sign-in
    LINK = "link"  # whoever holds the emailed link: the token in the address is the proof
    STAFF = "staff"  # any signed-in member of staff, whatever their roles
    MODERATOR = Role.MODERATOR.value
    RESPONDER = Role.RESPONDER.value
    CLERK = Role.CLERK.value
    ADMINISTRATOR = Role.ADMINISTRATOR.value


# The kinds of visitor the matrix is drawn for. Residents have no accounts: a resident is
# an anonymous visitor, who may also hold an emailed link.
VISITORS = ("anonymous", Role.MODERATOR.value, Role.RESPONDER.value, Role.CLERK.value, Role.ADMINISTRATOR.value)

SHOWN = "shown"
SIGN_IN = "sign in"
REFUSED = "403"
LINK_ONLY = "link holder"

E, L, S = Audience.EVERYONE, Audience.LINK, Audience.STAFF
M, R, C, A = Audience.MODERATOR, Audience.RESPONDER, Audience.CLERK, Audience.ADMINISTRATOR

URL_AUDIENCE: dict[str, Audience] = {
    # Public pages and residents' forms
    "petitions:home": E,
    "petitions:help": E,
    "petitions:privacy": E,
    "petitions:list": E,
    "petitions:create": E,
    "petitions:created": E,
    "petitions:similar": E,
    "petitions:detail": E,
    "petitions:count": E,
    "signatures:sign": E,
    "signatures:check_email": E,
    "accountability:officials": E,
    "accountability:official": E,
    "meetings:list": E,
    "meetings:detail": E,
    "questions:ask": E,
    "questions:list": E,
    "questions:ask_choose": E,
    "questions:check_email": E,
    "engagement:contact": E,
    "engagement:contact_check_email": E,
    "core:health": E,
    # The embedded outbox (only where OUTBOX_ENABLED: the embedded default and tests)
    "mail:outbox": E,
    "mail:outbox_message": E,
    # Open data
    "uk-petitions": E,
    "uk-petition": E,
    "api:v1:openapi-json": E,
    "api:v1:scheme": E,
    "api:v1:petition_list": E,
    "api:v1:petition_detail": E,
    "api:v1:petition_breakdowns": E,
    "api:v1:response_list": E,
    "api:v1:response_detail": E,
    "api:v1:committees": E,
    "api:v1:meeting_list": E,
    "api:v1:meeting_detail": E,
    "api:v1:question_list": E,
    "api:v1:question_verdicts": E,
    "api:v1:question_detail": E,
    "api:v1:official_list": E,
    "api:v1:official_detail": E,
    "api:v1:api-root": E,
    "api:docs": E,
    "api:petitions_csv": E,
    "api:widget": E,
    "api:feed_petitions": E,
    "api:feed_responses": E,
    "api:feed_questions": E,
    # Proof of work challenges for the sign form
    "altcha_django:challenge": E,
    "altcha_django:sentinel-challenge": E,
    # Staff sign-in
    "accounts:login": E,
    "accounts:logout": E,
    "accounts:two_factor": S,
    "accounts:home": S,
    # Emailed links
    "petitions:creator_confirm": L,
    "signatures:sponsor": L,
    "signatures:confirm": L,
    "signatures:unsubscribe": L,
    "signatures:withdraw": L,
    "questions:confirm": L,
    "questions:verdict": L,
    "engagement:update_new": L,
    "engagement:message_confirm": L,
    "engagement:message_reply": L,
    "engagement:message_report": L,
    # Moderators
    "moderation:queue": M,
    "moderation:detail": M,
    "moderation:approve": M,
    "moderation:reject": M,
    "moderation:take_down": M,
    "moderation:add_note": M,
    "moderation:second_opinion": M,
    "moderation:resolve_second_opinion": M,
    "moderation:review": M,
    "moderation:release": M,
    "questions:moderation_queue": M,
    "questions:moderation_detail": M,
    "questions:accept": M,
    "questions:reject": M,
    "engagement:update_queue": M,
    "engagement:update_detail": M,
    "engagement:update_approve": M,
    "engagement:update_reject": M,
    "engagement:reported_messages": M,
    "api:signatories_csv": M,
    "api:signatories_pdf": M,
    # The allow and block lists: moderators read them and test an address; administrators change them.
    "lists:entries": M,
    "integrity:signature_search": M,
    # Responders
    "responses:queue": R,
    "responses:detail": R,
    "responses:preview": R,
    "responses:publish": R,
    "questions:answer_queue": R,
    "questions:answer": R,
    # Clerks
    "meetings:clerk": C,
    "meetings:committee_new": C,
    "meetings:new": C,
    "meetings:manage": C,
    "meetings:agenda_item_new": C,
    "meetings:cancel": C,
    "meetings:outcome": C,
    "questions:supplementary": C,
    # Administrators
    "moderation:remove": A,
    "moderation:remoderate": A,
    "integrity:overview": A,
    "accounts:email": A,
    "integrity:invalidate": A,
    "lists:add": A,
    "lists:edit": A,
    "lists:remove": A,
    "integrity:signature_search_csv": A,
}

# Every model in the admin, and what administrators may do there (no one else reaches it).
ADMIN_MODELS: dict[str, str] = {
    "accountability.decision": "record, correct and remove decisions",
    "accounts.user": "add and change staff accounts and their roles (superusers: superusers)",
    "audit.auditevent": "read only",
    "django_tasks_database.dbtaskresult": "read background task results",
    "engagement.contactmessage": "read only",
    "engagement.petitionupdate": "read only",
    "integrity.invalidation": "read only",
    "integrity.trendalert": "read only",
    "lists.listentry": "add, change and remove allow- and block-list entries",
    "meetings.committee": "read only (clerks work at /meetings/clerk/)",
    "meetings.meeting": "read only (clerks work at /meetings/clerk/)",
    "officials.official": "record tenures",
    "officials.person": "record people",
    "otp_totp.totpdevice": "see and remove staff authenticator devices",
    "petitions.petition": "read; remove, keep personal details, require proof of work",
    "questions.question": "read only",
    "responses.response": "read; resume a stalled email fan-out",
    "schemes.bankholiday": "add, change and remove bank holidays",
    "schemes.body": "change the body's details",
    "schemes.scheme": "change the scheme and its thresholds",
}


def expected(audience: Audience, visitor: str) -> str:
    """What `visitor` (one of VISITORS) meets at a page for `audience`."""
    if audience == Audience.EVERYONE:
        return SHOWN
    if audience == Audience.LINK:
        return LINK_ONLY
    if visitor == "anonymous":
        return SIGN_IN
    if audience == Audience.STAFF or visitor in (audience.value, Role.ADMINISTRATOR.value):
        return SHOWN
    return REFUSED


def expected_in_admin(visitor: str) -> str:
    if visitor == "anonymous":
        return SIGN_IN
    return SHOWN if visitor == Role.ADMINISTRATOR.value else REFUSED


def render_matrix() -> str:
    """The matrix as Markdown: one row per URL name and per admin model."""
    header = "| page | " + " | ".join(VISITORS) + " |\n|---|" + ":-:|" * len(VISITORS) + "\n"
    rows = [
        f"| `{name}` | " + " | ".join(expected(audience, visitor) for visitor in VISITORS) + " |"
        for name, audience in sorted(URL_AUDIENCE.items())
    ]
    rows += [
        f"| admin: `{model}` ({what}) | " + " | ".join(expected_in_admin(visitor) for visitor in VISITORS) + " |"
        for model, what in sorted(ADMIN_MODELS.items())
    ]
    return header + "\n".join(rows) + "\n"
