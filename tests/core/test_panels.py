"""Extension points: higher apps add timeline events and sections to lower apps' pages."""

from __future__ import annotations

import datetime

from townhall.core import panels


def test_timeline_merges_providers_in_date_order() -> None:
    slot = "test-timeline"
    day = datetime.date(2026, 3, 1)
    panels.register_timeline(slot, lambda obj: [panels.TimelineEvent(at=day, kind="b", title=f"{obj} later")])
    panels.register_timeline(
        slot,
        lambda obj: [
            panels.TimelineEvent(at=datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.UTC), kind="a", title="first")
        ],
    )
    events = panels.timeline_for(slot, "petition")
    assert [event.kind for event in events] == ["a", "b"]
    assert events[1].title == "petition later"
    assert panels.timeline_for("nothing-registered", "petition") == []


def test_panels_skip_none_and_sort_by_order() -> None:
    slot = "test-panels"

    def second(obj: object) -> panels.Panel:
        return panels.Panel(template="two.html", order=20)

    def first(obj: object) -> panels.Panel:
        return panels.Panel(template="one.html", order=10, etag_part="x")

    def absent(obj: object) -> None:
        return None

    for provider in (second, absent, first, first):  # registering twice is harmless
        panels.register_panel(slot, provider)
    assert [panel.template for panel in panels.panels_for(slot, object())] == ["one.html", "two.html"]
