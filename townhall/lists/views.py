"""The staff page for the allow and block lists and the known shared networks: moderators
read it and test an address against it; administrators add, edit and remove entries."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts.decorators import administrator_required, moderator_required
from townhall.accounts.policies import can_administer
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.lists.forms import FIELDS_BY_CODE, AddressCheckForm, EntryFilterForm, EntryForm
from townhall.lists.models import ListAction, ListEntry
from townhall.lists.selectors import address_check, list_entries, list_entry_get
from townhall.lists.services import list_entry_delete, list_entry_save

_FILTERS = ("kind", "action")
_CHECK = ("email", "ip")


@moderator_required
@require_safe
def entries(request: HttpRequest) -> HttpResponse:
    """The entries, grouped by what they do (filtered by kind and action if asked), and the
    test box. A GET changes nothing; the typed address is compared and never kept."""
    filters = EntryFilterForm(request.GET if any(name in request.GET for name in _FILTERS) else None)
    check = AddressCheckForm(request.GET if any(name in request.GET for name in _CHECK) else None)
    kind = action = ""
    if filters.is_bound and filters.is_valid():
        kind, action = filters.cleaned_data["kind"], filters.cleaned_data["action"]
    result = None
    if check.is_bound and check.is_valid():
        result = address_check(email=check.cleaned_data["email"], address=check.cleaned_data["ip"])
    shown = list_entries(kind=kind, action=action)
    groups = [
        (value, label, [entry for entry in shown if entry.action == value])
        for value, label in ListAction.choices
        if not action or action == value
    ]
    return render(
        request,
        "lists/entries.html",
        {
            "groups": groups,
            "filters": filters,
            "filtered": bool(kind or action),
            "check": check,
            "result": result,
            "administers": can_administer(request.user),
            "staff_nav": True,
        },
        status=400 if filters.errors or check.errors else 200,
    )


def _entry_form(request: HttpRequest, entry: ListEntry) -> HttpResponse:
    adding = entry.pk is None
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            entry.kind, entry.action, entry.value = data["kind"], data["action"], data["value"]
            entry.limit_factor, entry.note = data["limit_factor"], data["note"]
            try:
                saved = list_entry_save(entry=entry, actor=request.user)
            except DomainError as error:
                status = show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
            else:
                messages.success(
                    request,
                    (_("“%(value)s” was added.") if adding else _("“%(value)s” was changed.")) % {"value": saved.value},
                )
                return redirect("lists:entries")
        else:
            status = 400
        return render(
            request, "lists/entry_form.html", {"form": form, "entry": entry, "staff_nav": True}, status=status
        )
    initial = (
        {}
        if adding
        else {
            "kind": entry.kind,
            "action": entry.action,
            "value": entry.value,
            "limit_factor": entry.limit_factor,
            "note": entry.note,
        }
    )
    form = EntryForm(initial=initial)
    return render(request, "lists/entry_form.html", {"form": form, "entry": entry, "staff_nav": True})


@administrator_required
@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    return _entry_form(request, ListEntry())


@administrator_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_form(request, list_entry_get(entry_id))


@administrator_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A GET asks for confirmation and changes nothing; the POST from it removes."""
    entry = list_entry_get(entry_id)
    if request.method == "POST":
        list_entry_delete(entry_id=entry.pk, actor=request.user)
        messages.success(request, _("“%(value)s” was removed.") % {"value": entry.value})
        return redirect("lists:entries")
    return render(request, "lists/remove.html", {"entry": entry, "staff_nav": True})
