"""Every table has a decision about personal data, and every table holding it has a period.

`DECISIONS` names every installed model, the link tables Django makes for many-to-many
fields included. Each is one of:

- `Personal`: it holds personal data, so a retention rule (townhall/core/retention.py)
  must cover it;
- `Kept`: it holds personal data that no retention rule removes, and says why, and by
  what else it goes, if anything;
- `NoPersonalData`: it holds none. Its fields whose names look personal (a `name`, a
  `body`, a link to a staff account) are listed in `despite`, and the reason says why.

A new model fails the first test until it is given a decision here; a new field that
looks personal on a table said to hold none fails the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models

from townhall.core import scheduler
from townhall.core.retention import covered_models, registered_rules


@dataclass(frozen=True)
class Personal:
    why: str


@dataclass(frozen=True)
class Kept:
    why: str
    # Why no retention rule removes it, and what does, if anything.
    because: str
    # A scheduler job that deletes these rows instead of a retention rule.
    job: str = ""


@dataclass(frozen=True)
class NoPersonalData:
    why: str
    despite: tuple[str, ...] = ()


Decision = Personal | Kept | NoPersonalData

STAFF = (
    "a staff account and what hangs on it are needed while the person works for the body; when "
    "they leave an administrator switches the account off, and it is kept, never deleted, because "
    "the audit log names it (a switched-off account is not yet given a period: docs/operations.md, "
    "section 6)"
)
STAFF_ACTS = (
    "the record of which member of staff did what is part of the body's record of the petition "
    "or meeting; the person's details live only on their staff account"
)
PUBLIC_OFFICE = "public office holders, published on purpose as the body's public record"

DECISIONS: dict[str, Decision] = {
    # Django's own tables.
    "admin.LogEntry": Kept(
        "the admin's history of staff edits: the staff account, and each edited record's name, which "
        "for an allow or block list entry is the address itself",
        "the admin's own history of staff work, like the audit log; not yet given a period "
        "(docs/operations.md, section 6)",
    ),
    "auth.Permission": NoPersonalData("Django's permission names", despite=("name",)),
    "auth.Group": NoPersonalData("Django's groups (unused: roles live on the staff account)", despite=("name",)),
    "auth.Group_permissions": NoPersonalData("links groups to permissions"),
    "contenttypes.ContentType": NoPersonalData("model names"),
    "sessions.Session": Personal("a signed-in staff member's session: their account and second-factor state"),
    "django_tasks_database.DBTaskResult": Personal("task arguments hold email addresses and letters"),
    "otp_totp.TOTPDevice": Kept("a staff member's authenticator secret", STAFF),
    # core, mail, audit, accounts
    "core.RateCounter": Kept(
        "a keyed hash of an address, a username or an email address, and a count",
        "deleted as soon as its window ends (at most a day), by its own job",
        job="forget-rate-counters",
    ),
    "mail.QueuedEmail": Personal("a letter's address, body and headers"),
    "mail.OutboxMessage": Personal("the embedded mailbox: a letter's address and body"),
    "audit.AuditEvent": Kept(
        "the member of staff who acted; residents are never recorded, and `data` holds codes, counts, "
        "states and titles, never a resident's details",
        "the append-only record of who changed what, kept as long as the log; " + STAFF_ACTS,
    ),
    "accounts.User": Kept("a staff account: name, username, email address, password hash", STAFF),
    "accounts.User_groups": Kept("a staff account's groups", STAFF),
    "accounts.User_user_permissions": Kept("a staff account's permissions", STAFF),
    # lists, schemes, areas, officials
    "lists.ListEntry": Kept(
        "an allow or block list entry can be one person's email address or IP address",
        "kept while the block or allowance stands; administrators delete entries (audited)",
    ),
    "schemes.Body": NoPersonalData("the council's name, its area and population", despite=("name", "area_name")),
    "schemes.Scheme": NoPersonalData("the body's published rules", despite=("body", "questions_per_person")),
    "schemes.Threshold": NoPersonalData("the scheme's thresholds", despite=("name",)),
    "schemes.BankHoliday": NoPersonalData("dates", despite=("name",)),
    "areas.Area": Kept("an area's representative, by name", PUBLIC_OFFICE),
    "areas.Location": NoPersonalData("a set of areas a postcode lies in"),
    "areas.Location_areas": NoPersonalData("links locations to areas"),
    "areas.Postcode": NoPersonalData("the published postcode lookup, not anyone's address"),
    "areas.PetitionAreaCount": NoPersonalData("counts by area"),
    "areas.PetitionHourCount": NoPersonalData("counts by hour"),
    "officials.Person": Kept("officials' names and summaries", PUBLIC_OFFICE),
    "officials.Official": Kept("who held which role when", PUBLIC_OFFICE),
    # petitions, signatures, integrity, moderation
    "petitions.Petition": Personal("the creator's name, email address, postcode and address hash"),
    "petitions.PetitionVersion": NoPersonalData(
        "the petition's text as people signed it: public once published, deleted with a petition "
        "that never reached the moderators",
        despite=("additional_details",),
    ),
    "petitions.ThresholdCrossing": NoPersonalData("when a count crossed a threshold"),
    "signatures.Signature": Personal("a signer's name, email address, postcode and address hash"),
    "integrity.Invalidation": Kept(
        "an administrator's criteria for striking signatures can name an IP address, an email pattern or a postcode",
        "the record of a decision that changed a count, kept so the count can be explained; not yet "
        "given a period (docs/operations.md, section 6)",
    ),
    "integrity.TrendAlert": Personal("a signer's address hash, network or email domain behind a trend"),
    "moderation.ModerationLock": Kept("which moderator holds a petition", STAFF_ACTS),
    "moderation.ModerationNote": Kept(
        "a moderator's notes on a petition, which can mention its creator",
        "the record of moderation, kept with the petition and deleted with it; not yet given a "
        "period of its own (docs/operations.md, section 6)",
    ),
    "moderation.SecondOpinion": Kept("which moderators asked and answered, and why", STAFF_ACTS),
    # responses, engagement, meetings, questions, accountability
    "responses.Response": Kept("the body's published response and who drafted and published it", STAFF_ACTS),
    "engagement.PetitionUpdate": Kept(
        "a creator's update to signers, and the moderator who decided on it",
        "a published update is public text beside the petition, and a rejected one the record of "
        "the moderator's decision; kept with the petition, not yet given a period of its own "
        "(docs/operations.md, section 6); " + STAFF_ACTS,
    ),
    "engagement.ContactMessage": Personal("a sender's name, email address, address hash and message"),
    "meetings.Committee": NoPersonalData("committees", despite=("name",)),
    "meetings.Meeting": NoPersonalData(
        "dated sittings, their published outcomes and why one was cancelled", despite=("cancellation_reason",)
    ),
    "meetings.AgendaItem": NoPersonalData("what a meeting discussed, and the official concerned"),
    "meetings.AgendaNotice": NoPersonalData("the cursor of a fan-out"),
    "questions.Question": Personal("an asker's name, email address and postcode"),
    "accountability.Decision": Kept("who decided, by name or role", PUBLIC_OFFICE),
    "accountability.Decision_officials": Kept("the officials a decision concerns", PUBLIC_OFFICE),
    "accountability.Decision_petitions": NoPersonalData("links decisions to petitions"),
}

# Words in a field's name (split at "_") that suggest it holds something about a person.
PERSONAL_LOOKING = frozenset(
    {
        "name",
        "email",
        "postcode",
        "address",
        "ip",
        "phone",
        "body",
        "message",
        "note",
        "reason",
        "details",
        "data",
        "session",
        "agent",
        "args",
        "kwargs",
        "token",
        "by",
        "user",
        "author",
        "person",
    }
)


def every_model() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


def personal_looking_fields(model: type[models.Model]) -> set[str]:
    """Fields named like personal data, and every link to a staff account."""
    found = set()
    for field in model._meta.concrete_fields:
        staff_link = (
            field.is_relation
            and field.related_model is not None
            and (field.related_model._meta.label == settings.AUTH_USER_MODEL)
        )
        if staff_link or PERSONAL_LOOKING & set(field.name.lower().split("_")):
            found.add(field.name)
    return found


def test_every_model_has_a_decision_about_personal_data() -> None:
    undecided = sorted(model._meta.label for model in every_model() if model._meta.label not in DECISIONS)
    assert undecided == [], f"Decide whether these hold personal data, in DECISIONS above: {undecided}"


def test_no_decision_names_a_model_that_no_longer_exists() -> None:
    installed = {model._meta.label for model in every_model()}
    assert sorted(set(DECISIONS) - installed) == []


def test_every_table_holding_personal_data_has_a_retention_rule() -> None:
    personal = {label for label, decision in DECISIONS.items() if isinstance(decision, Personal)}
    assert sorted(personal - covered_models()) == []


def test_every_retention_rule_covers_tables_said_to_hold_personal_data() -> None:
    for rule in registered_rules():
        for label in rule.models:
            assert isinstance(DECISIONS.get(label), Personal), f"{rule.name} covers {label}"
            assert rule.period_key in settings.TOWNHALL, f"{rule.name}: no setting {rule.period_key}"


def test_tables_kept_outside_the_rules_say_why() -> None:
    jobs = {job.name for job in scheduler.registered_jobs()}
    for label, decision in DECISIONS.items():
        if isinstance(decision, Kept):
            assert decision.why, label
            assert decision.because, label
            assert label not in covered_models(), f"{label} is covered by a rule: make it Personal"
            assert not decision.job or decision.job in jobs, f"{label}: no job {decision.job}"


def test_tables_said_to_hold_no_personal_data_have_no_field_that_looks_personal() -> None:
    unexplained = {
        model._meta.label: sorted(personal_looking_fields(model) - set(decision.despite))
        for model in every_model()
        if isinstance(decision := DECISIONS.get(model._meta.label), NoPersonalData)
        and personal_looking_fields(model) - set(decision.despite)
    }
    assert unexplained == {}, "Decide: personal (Personal or Kept), or list the field in `despite`"
