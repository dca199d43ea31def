"""Server-rendered SVG geometry for the petition page's map and chart (no JavaScript).

Boundaries are GeoJSON longitude/latitude polygons, projected equirectangularly with the
longitude scaled by cos(latitude) (accurate enough at borough scale) and fitted to the
view box. Shades are CSS classes (`area-shade-0` … `area-shade-4`), never inline styles.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from townhall.areas.selectors import MapArea, SeriesPoint

MAP_WIDTH = 400
MAP_HEIGHT = 300
SHADES = 5


@dataclass(frozen=True)
class MapShape:
    name: str
    code: str
    signature_count: int
    path: str
    shade: int


def _rings(geometry: dict[str, Any]) -> Iterator[Sequence[Sequence[float]]]:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    for polygon in polygons:
        yield from polygon


def map_shapes(areas: Sequence[MapArea]) -> list[MapShape]:
    """SVG paths for the areas, shaded by count (0 = no signatures, 1–4 = quarters of the maximum)."""
    points = [(float(p[0]), float(p[1])) for a in areas for ring in _rings(a.boundary) for p in ring]
    if not points:
        return []
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    scale_x = math.cos(math.radians((min_lat + max_lat) / 2))
    width = max((max_lon - min_lon) * scale_x, 1e-9)
    height = max(max_lat - min_lat, 1e-9)
    margin = 4
    factor = min((MAP_WIDTH - 2 * margin) / width, (MAP_HEIGHT - 2 * margin) / height)

    def project(lon: float, lat: float) -> str:
        x = margin + (lon - min_lon) * scale_x * factor
        y = margin + (max_lat - lat) * factor
        return f"{x:.1f},{y:.1f}"

    top = max((a.signature_count for a in areas), default=0)
    shapes = []
    for area in areas:
        path = " ".join(
            "M" + " L".join(project(float(p[0]), float(p[1])) for p in ring) + " Z"
            for ring in _rings(area.boundary)
            if ring
        )
        shade = 0 if not area.signature_count or not top else 1 + min(SHADES - 2, (area.signature_count * 4 - 1) // top)
        shapes.append(MapShape(area.name, area.code, area.signature_count, path, shade))
    return shapes


CHART_WIDTH = 400
CHART_HEIGHT = 120


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    signature_count: int
    cumulative: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    line: str
    peak: SeriesPoint
    first: datetime.date
    last: datetime.date
    total: int


def series_chart(points: Sequence[SeriesPoint]) -> Chart | None:
    """Daily bars (signatures counted that day) and a line of the running total, both scaled
    to the chart; the running total uses its own scale so both fit."""
    if not points:
        return None
    first, last = points[0].day, points[-1].day
    days = (last - first).days + 1
    slot = CHART_WIDTH / days
    top = max(p.signature_count for p in points)
    total = points[-1].cumulative
    bars, line = [], []
    for p in points:
        x = (p.day - first).days * slot
        height = CHART_HEIGHT * p.signature_count / top
        bars.append(
            Bar(
                p.day,
                p.signature_count,
                p.cumulative,
                round(x + slot * 0.1, 1),
                round(CHART_HEIGHT - height, 1),
                round(max(slot * 0.8, 0.5), 1),
                round(height, 1),
            )
        )
        line.append(f"{x + slot / 2:.1f},{CHART_HEIGHT - CHART_HEIGHT * p.cumulative / total:.1f}")
    peak = max(points, key=lambda p: (p.signature_count, p.day))
    return Chart(bars=bars, line=" ".join(line), peak=peak, first=first, last=last, total=total)
