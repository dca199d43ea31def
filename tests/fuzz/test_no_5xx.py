"""Bad input never reaches a 500: every named page, with hostile values in each query
parameter its view reads, and every POST form on it, with hostile values in its fields.

The pages are found by walking the URL resolver (townhall/accounts/access.py says who
may reach each; staff pages are fuzzed as a superuser), over the demo borough so that the
records behind them exist. The query parameters each view reads are listed in
QUERY_PARAMS; a view that reads one not listed there fails
`test_every_query_parameter_a_view_reads_is_in_the_table`. Form fields are found by
GETting each page and reading its <input>, <textarea> and <select> names.

Sized for CI by TOWNHALL_FUZZ_EXAMPLES (examples per page and per form; `make fuzz` sends
more). Every 5xx is collected and listed; the request count is printed at the end.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.builders import make_superuser
from tests.fuzz.hostile import (
    FUZZ_SETTINGS,
    HOSTILE,
    SWEEP,
    TALLY,
    baseline,
    encode,
    hostile_values,
    post_forms,
    record,
)
from tests.routes import site_urls
from townhall.accounts.access import URL_AUDIENCE, Audience
from townhall.api.v1 import routes
from townhall.demo.loader import demo_load
from townhall.engagement.models import ContactMessage, PetitionUpdate
from townhall.integrity.services import Criteria
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.mail.models import OutboxMessage
from townhall.meetings.models import Meeting
from townhall.officials.models import Person
from townhall.petitions.models import Petition
from townhall.questions.models import Question
from townhall.responses.models import Response

# What a link to the integrity tools or the signature search can carry: every criterion,
# read by Criteria.from_query (the form's own fields bear the same names).
CRITERIA_PARAMS = tuple(Criteria.__dataclass_fields__)

# The query parameters each page's view reads (request.GET, or a django-ninja Query).
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "core:health": ("deep",),
    "petitions:list": ("state", "q", "page"),
    "petitions:similar": ("q",),
    "petitions:create": ("edit",),
    "questions:list": ("official", "page"),
    "questions:ask_choose": ("meeting",),
    "meetings:list": ("page",),
    "accounts:login": ("next",),
    "accounts:two_factor": ("next",),
    "uk-petitions": ("state", "page", "count", "q"),
    "api:v1:petition_list": ("state", "q", "page"),
    "api:v1:response_list": ("status", "page"),
    "api:v1:meeting_list": ("when", "committee", "page"),
    "api:v1:question_list": ("official", "page"),
    "api:v1:question_verdicts": ("official", "meeting"),
    "api:v1:official_list": ("page",),
    # The lists' filter and test box.
    "lists:entries": ("kind", "action", "email", "ip"),
    # A link fills in the form (Criteria.from_query) and previews at once.
    "integrity:invalidate": ("action", *CRITERIA_PARAMS),
    # The same criteria (an alert's link opens here too), the order and the page.
    "integrity:signature_search": (*CRITERIA_PARAMS, "sort", "page"),
    "integrity:signature_search_csv": (*CRITERIA_PARAMS, "sort"),
}

# Records behind the numbered pages: a few of each kind, in different states.
_MODELS: list[tuple[str, type[Model]]] = [
    ("api:v1:petition", Petition),
    ("api:v1:response", Response),
    ("api:v1:meeting", Meeting),
    ("api:v1:question", Question),
    ("engagement:update", PetitionUpdate),
    ("engagement:message", ContactMessage),
    ("lists:", ListEntry),
    ("mail:", OutboxMessage),
    ("meetings:", Meeting),
    ("questions:", Question),
    ("responses:", Response),
    ("", Petition),
]
_TOKEN = "x" * 32


def _ids(model: type[Model]) -> list[int]:
    by_state: dict[object, int] = {}
    for pk, state in model.objects.order_by("pk").values_list("pk", "state" if _has_state(model) else "pk"):
        by_state.setdefault(state, pk)
    return sorted(by_state.values())[:4] or [987654]


def _has_state(model: type[Model]) -> bool:
    return any(f.name == "state" for f in model._meta.get_fields())


def addresses(name: str, pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", {})
    if not converters:
        return [reverse(name)]
    if name == "questions:ask":
        return [reverse(name, kwargs={"meeting_id": pk}) for pk in _ids(Meeting)]
    numbered = [key for key, c in converters.items() if type(c).__name__ == "IntConverter"]
    fixed = {
        key: (Person.objects.values_list("slug", flat=True).first() or "nobody") if key == "slug" else _TOKEN
        for key in converters
        if key not in numbered
    }
    if not numbered:
        return [reverse(name, kwargs=fixed)]
    model = next(m for prefix, m in _MODELS if name.startswith(prefix))
    return [reverse(name, kwargs={**fixed, numbered[0]: pk}) for pk in _ids(model)]


def _params(names: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    one = st.tuples(st.sampled_from([*names, "page", "unexpected"]), hostile_values)
    return st.lists(one, min_size=1, max_size=4)


def fuzz_query(client: Client, path: str, names: tuple[str, ...]) -> None:
    for name in names:  # every hostile value in every parameter, once
        for value in HOSTILE:
            record(client, "GET", path, encode([(name, value)]))

    @FUZZ_SETTINGS
    @given(pairs=_params(names))
    def run(pairs: list[tuple[str, bytes]]) -> None:
        record(client, "GET", path, encode(pairs))

    run()


def fuzz_form(client: Client, path: str, fields: list[tuple[str, bytes]], refresh: Any) -> None:
    names = [name for name, _ in fields if name != "csrfmiddlewaretoken"]
    if not names:
        return
    changes = st.lists(
        st.tuples(st.sampled_from(names), st.sampled_from(["hostile", "missing", "repeated"]), hostile_values),
        min_size=1,
        max_size=4,
    )

    for name in names:  # each kind of trouble in every field, once
        for value in SWEEP:
            refresh()
            record(client, "POST", path, encode([(n, value if n == name else v) for n, v in fields]))

    @FUZZ_SETTINGS
    @given(changes=changes)
    def run(changes: list[tuple[str, str, bytes]]) -> None:
        refresh()
        pairs = list(fields)
        for name, how, value in changes:
            if how == "missing":
                pairs = [(n, v) for n, v in pairs if n != name]
            elif how == "repeated":
                pairs.append((name, value))
            else:
                pairs = [(n, value if n == name else v) for n, v in pairs]
        record(client, "POST", path, encode(pairs))

    run()


@pytest.mark.django_db(transaction=False)
def test_no_page_or_form_answers_5xx_to_hostile_input() -> None:
    demo_load()
    root = make_superuser("fuzz-root")
    # An entry of each action, so the lists' edit and remove forms are fuzzed too.
    ListEntry.objects.bulk_create(
        [
            ListEntry(kind=ListKind.EMAIL_DOMAIN, action=ListAction.BLOCK, value="spam.example"),
            ListEntry(kind=ListKind.IP, action=ListAction.ALLOW, value="192.0.2.0/24"),
            ListEntry(kind=ListKind.IP, action=ListAction.SHARED, value="198.51.100.0/24", limit_factor=20),
        ]
    )
    anonymous, staff = Client(raise_request_exception=False), Client(raise_request_exception=False)

    def sign_in() -> None:
        staff.force_login(root)

    forms: list[str] = []
    for name, pattern in sorted(site_urls().items()):
        client = anonymous if URL_AUDIENCE[name] in (Audience.EVERYONE, Audience.LINK) else staff
        refresh = sign_in if client is staff else (lambda: None)
        for path in addresses(name, pattern):
            refresh()
            fuzz_query(client, path, QUERY_PARAMS.get(name, ()))
            page = client.get(path)
            TALLY.requests += 1
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            for form in post_forms(page.content.decode(), path):
                forms.append(f"{name} {form.action}")
                fuzz_form(client, form.action, baseline(form), refresh)
    print(f"\nfuzz: {len(set(forms))} forms on {len(forms)} pages")
    print(f"fuzz: {TALLY.requests} requests, {len(TALLY.failures)} answered 5xx")
    assert TALLY.failures == [], "\n".join(TALLY.failures)


# --- the table above is complete ----------------------------------------------------------------

_READS = [
    re.compile(r"request\.GET\.get\(\s*[\"'](\w+)[\"']"),
    re.compile(r"request\.GET\[\s*[\"'](\w+)[\"']"),
    re.compile(r"[\"'](\w+)[\"']\s+(?:not\s+)?in\s+request\.GET"),
    re.compile(r"_int_param\(\s*request,\s*[\"'](\w+)[\"']"),
    re.compile(r"^\s+(\w+):[^=\n]+=\s*Query\(", re.MULTILINE),
]


def _module_reads(path: Path) -> set[str]:
    source = path.read_text()
    keys = {key for pattern in _READS for key in pattern.findall(source)}
    if "page_number(request)" in source:
        keys.add("page")
    return keys


def _source_of(name: str, pattern: URLPattern) -> str:
    if name.startswith("api:v1:"):  # django-ninja's views call the routes
        return str(Path(inspect.getfile(routes)).resolve())
    callback = inspect.unwrap(getattr(pattern.callback, "func", pattern.callback))
    if not inspect.isfunction(callback):
        callback = getattr(callback, "view_class", type(callback))
    return str(Path(inspect.getfile(callback)).resolve())


def test_the_integrity_form_is_fuzzed_with_every_criterion_a_link_can_carry() -> None:
    """Criteria.from_query reads its keys from the dataclass's fields, not as literals the
    table's own check sees: each of them is fuzzed on the form."""
    assert set(Criteria.__dataclass_fields__) <= set(QUERY_PARAMS["integrity:invalidate"])


def test_every_query_parameter_a_view_reads_is_in_the_table() -> None:
    """Each module behind a page reads only query parameters the table lists for a page it serves."""
    listed: dict[str, set[str]] = {}
    for name, pattern in site_urls().items():
        module = _source_of(name, pattern)
        listed.setdefault(module, set()).update(QUERY_PARAMS.get(name, ()))
    root = Path(__file__).resolve().parents[2] / "townhall"
    missing = {}
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix() == "core/http.py":
            continue  # page_number's own read, counted where a view calls it
        reads = _module_reads(path) - {"next"}  # safe_next's own rule, read by sign-in pages
        unlisted = reads - listed.get(str(path), set())
        if unlisted and (str(path) in listed or reads):
            missing[str(path.relative_to(root))] = sorted(unlisted)
    assert missing == {}
    assert set(QUERY_PARAMS) <= set(site_urls())
