"""The demo borough's geography: the fictional Borough of Kingsmere, five wards with
synthetic boundaries, two constituencies, and a postcode lookup for the demo's districts.

Kingsmere's codes are fictional (E069…, E059…, E149… are unused ONS ranges); the five
neighbouring authorities use their real ONS codes. Demo postcodes are mapped by district
(KM1 … KM9 in the borough; LS6, M14, BS7, SE15, NG7 outside). Load this before the demo's
signatures are counted: the counter tags signatures with their areas.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from townhall.areas.models import AreaKind
from townhall.areas.services import PostcodeRow, area_upsert, postcode_import
from townhall.schemes.models import Scheme
from townhall.schemes.selectors import scheme_forget_current

BOROUGH = ("E06900001", "Borough of Kingsmere")
CONSTITUENCIES = {
    "E14900001": ("Kingsmere North", "Priya Shah MP"),
    "E14900002": ("Kingsmere South", "Tom Okafor MP"),
}
# (code, name, constituency, boundary box as (west, south, east, north) in lon/lat)
WARDS = [
    ("E05900001", "Castle", "E14900001", (-0.500, 51.640, -0.460, 51.680)),
    ("E05900002", "Market", "E14900001", (-0.460, 51.640, -0.420, 51.680)),
    ("E05900003", "Riverside", "E14900001", (-0.420, 51.640, -0.380, 51.675)),
    ("E05900004", "Kingsmere Park", "E14900002", (-0.500, 51.605, -0.440, 51.640)),
    ("E05900005", "Southfields", "E14900002", (-0.440, 51.600, -0.380, 51.640)),
]
DISTRICT_WARDS = {
    "KM1": "E05900001",
    "KM2": "E05900001",
    "KM3": "E05900002",
    "KM4": "E05900002",
    "KM5": "E05900003",
    "KM6": "E05900004",
    "KM7": "E05900004",
    "KM8": "E05900005",
    "KM9": "E05900005",
}
NEIGHBOURS = {
    "LS6": ("E08000035", "Leeds"),
    "M14": ("E08000003", "Manchester"),
    "BS7": ("E06000023", "Bristol, City of"),
    "SE15": ("E09000028", "Southwark"),
    "NG7": ("E06000018", "Nottingham"),
}


def _box(west: float, south: float, east: float, north: float) -> dict[str, object]:
    # A slightly irregular quadrilateral, so the map does not look like a spreadsheet.
    middle = round((west + east) / 2, 4)
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [middle, south - 0.002], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


@transaction.atomic
def load(*, now: datetime.datetime) -> None:
    """Areas, boundaries and the demo postcode lookup; names Kingsmere as the scheme's area."""
    del now  # the geography has no dates
    borough = area_upsert(code=BOROUGH[0], name=BOROUGH[1], kind=AreaKind.LOCAL_AUTHORITY)
    for code, (name, mp) in CONSTITUENCIES.items():
        area_upsert(code=code, name=name, kind=AreaKind.CONSTITUENCY, representative=mp)
    ward_constituency = {}
    for code, name, constituency, box in WARDS:
        area_upsert(code=code, name=name, kind=AreaKind.WARD, parent_code=borough.code, boundary=_box(*box))
        ward_constituency[code] = constituency
    for code, name in NEIGHBOURS.values():
        area_upsert(code=code, name=name, kind=AreaKind.LOCAL_AUTHORITY)
    rows = [
        PostcodeRow(
            postcode=district,
            areas={
                AreaKind.LOCAL_AUTHORITY: borough.code,
                AreaKind.WARD: ward,
                AreaKind.CONSTITUENCY: ward_constituency[ward],
            },
        )
        for district, ward in DISTRICT_WARDS.items()
    ]
    rows += [PostcodeRow(postcode=d, areas={AreaKind.LOCAL_AUTHORITY: code}) for d, (code, _) in NEIGHBOURS.items()]
    postcode_import(rows=rows)
    Scheme.objects.filter(eligible_area__isnull=True).update(eligible_area=borough)
    scheme_forget_current()  # a queryset update sends no signal
