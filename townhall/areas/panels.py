"""The petition page's "Where signatures come from" panel: proof of locality, an SVG map
of the body's wards with the same numbers as a table, and a chart of signatures over time."""

from __future__ import annotations

from typing import Any

from townhall.areas.charts import map_shapes, series_chart
from townhall.areas.selectors import (
    eligible_area_get,
    petition_breakdown,
    petition_locality,
    petition_map_areas,
    petition_series,
)
from townhall.core.panels import Panel

# Rejected petitions take no signatures; pending ones are not public.
_SHOWN_STATES = ("open", "closed")


def petition_areas_panel(petition: Any) -> Panel | None:
    if petition.state not in _SHOWN_STATES or petition.signature_count == 0:
        return None
    area = eligible_area_get()
    locality = petition_locality(petition=petition, area=area) if area is not None else None
    map_areas = petition_map_areas(petition_id=petition.pk, within=area) if area is not None else []
    table = (
        petition_breakdown(petition_id=petition.pk, within=area)
        if area is not None
        else petition_breakdown(petition_id=petition.pk)
    )
    chart = series_chart(petition_series(petition_id=petition.pk))
    if locality is None and not table and chart is None:
        return None
    return Panel(
        template="areas/_petition_panel.html",
        order=20,
        context={
            "locality": locality,
            "shapes": map_shapes(map_areas),
            "table": table,
            "chart": chart,
        },
        # Counts change only when the counter runs, which the page's ETag already covers.
        etag_part=f"areas:{area.pk if area else 0}:{len(map_areas)}",
    )
