"""Extension points for pages owned by a lower app.

The petition page lives in the petitions app, but responses, meetings, questions and
updates live in apps above it, which petitions may not import (docs/architecture.md). Higher apps
register providers here in `AppConfig.ready()`; the page asks for whatever is registered.

- A *timeline provider* returns dated events for the petition's public timeline.
- A *panel provider* returns sections (a template and its context) for the page.
Both may return nothing. Each provider also reports an `etag_part` through its events or
panels, so cached pages change when what they show changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime.datetime | datetime.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""
    # Planned events (a due date, a scheduled meeting) are shown as future steps.
    is_future: bool = False

    @property
    def sort_key(self) -> datetime.datetime:
        if isinstance(self.at, datetime.datetime):
            return self.at
        return datetime.datetime.combine(self.at, datetime.time(12, 0), tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: dict[str, Any] = field(default_factory=dict)
    etag_part: str = ""


TimelineProvider = Callable[[Any], Iterable[TimelineEvent]]
PanelProvider = Callable[[Any], Panel | None]

_timeline: dict[str, list[TimelineProvider]] = {}
_panels: dict[str, list[PanelProvider]] = {}


def register_timeline(slot: str, provider: TimelineProvider) -> None:
    if provider not in _timeline.setdefault(slot, []):
        _timeline[slot].append(provider)


def register_panel(slot: str, provider: PanelProvider) -> None:
    if provider not in _panels.setdefault(slot, []):
        _panels[slot].append(provider)


def timeline_for(slot: str, obj: Any) -> list[TimelineEvent]:
    """Every registered provider's events for `obj`, oldest first."""
    events = [event for provider in _timeline.get(slot, []) for event in provider(obj)]
    return sorted(events, key=lambda event: event.sort_key)


def panels_for(slot: str, obj: Any) -> list[Panel]:
    panels = [panel for provider in _panels.get(slot, []) if (panel := provider(obj)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
