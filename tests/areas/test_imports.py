"""Loading areas, the postcode lookup and boundaries."""

from __future__ import annotations

import io
import pathlib
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from townhall.areas.models import Area, AreaKind, Postcode
from townhall.areas.selectors import area_get_for_postcode
from townhall.areas.services import PostcodeRow, postcode_import
from townhall.areas.sources import read_ons_csv, read_qlacref_package
from townhall.schemes.models import Scheme

DATA = pathlib.Path(__file__).parent / "data"


def codes(postcode: str) -> dict[str, str]:
    return {a.kind: a.code for a in area_get_for_postcode(postcode=postcode)}


def test_ons_csv_reader_uses_the_documented_columns_and_skips_terminated_and_pseudo_codes() -> None:
    with open(DATA / "onspd_sample.csv", newline="") as lines:
        rows = list(read_ons_csv(lines))
    # AB1 0AA was terminated (doterm set): skipped. Pseudo codes (…99999999) are dropped.
    assert [r.postcode for r in rows] == ["SW1A 1AA", "SW1A 2AA", "LS6 2AB", "M14 5AA", "NOTAPC"]
    assert rows[0].areas == {
        "local_authority": "E09000033",
        "ward": "E05013806",
        "constituency": "E14001172",
        "region": "E12000007",
        "country": "E92000001",
    }
    assert "region" not in rows[3].areas  # M14 has a pseudo region code here
    with open(DATA / "onspd_sample.csv", newline="") as lines:
        only_la = list(read_ons_csv(lines, columns=["oslaua"]))
    assert only_la[0].areas == {"local_authority": "E09000033"}


def test_ons_csv_without_a_postcode_column_is_refused() -> None:
    with pytest.raises(ValueError, match="pcds"):
        list(read_ons_csv(io.StringIO("postcode,oslaua\nSW1A 1AA,E09000033\n")))


@pytest.mark.django_db
def test_import_postcodes_command_loads_the_csv_in_batches() -> None:
    out = io.StringIO()
    call_command("import_postcodes", csv=str(DATA / "onspd_sample.csv"), batch_size=2, stdout=out)

    assert "Loaded 4 postcodes (1 skipped)" in out.getvalue()
    assert Postcode.objects.count() == 4
    assert codes("sw1a1aa") == {
        "local_authority": "E09000033",
        "ward": "E05013806",
        "constituency": "E14001172",
        "region": "E12000007",
        "country": "E92000001",
    }
    # Wards nest in their local authority; areas named only by code get the code as name.
    ward = Area.objects.get(code="E05013806")
    assert ward.parent is not None
    assert ward.parent.code == "E09000033"
    assert ward.name == "E05013806"
    # Two postcodes in the same areas share one location.
    assert Postcode.objects.get(code="SW1A 1AA").location_id == Postcode.objects.get(code="SW1A 2AA").location_id
    assert codes("XX1 1XX") == {}


@pytest.mark.django_db
def test_loading_again_replaces_a_postcodes_areas() -> None:
    postcode_import(rows=[PostcodeRow("SW1A 1AA", {"local_authority": "E09000033"})])
    postcode_import(rows=[PostcodeRow("SW1A 1AA", {"local_authority": "E09000001"})])

    assert codes("SW1A 1AA") == {"local_authority": "E09000001"}
    assert Postcode.objects.count() == 1


@pytest.mark.django_db
def test_a_district_row_maps_every_postcode_in_it_and_a_full_postcode_wins() -> None:
    postcode_import(
        rows=[
            PostcodeRow("km1", {"local_authority": "E06900001"}),
            PostcodeRow("KM1 9ZZ", {"local_authority": "E06900002"}),
        ]
    )
    assert codes("KM1 1AA") == {"local_authority": "E06900001"}
    assert codes("KM1 9ZZ") == {"local_authority": "E06900002"}


def test_package_reader_maps_real_postcodes_to_local_authorities() -> None:
    found = {
        row.postcode.replace(" ", ""): row.areas["local_authority"]
        for row in read_qlacref_package(letters=["S"])
        if row.postcode.replace(" ", "") in {"SW1A1AA", "SW1A2AA"}
    }
    # Buckingham Palace and 10 Downing Street: City of Westminster.
    assert found == {"SW1A1AA": "E09000033", "SW1A2AA": "E09000033"}


@pytest.mark.django_db
def test_import_postcodes_command_reads_the_package_by_default() -> None:
    out = io.StringIO()
    call_command("import_postcodes", letters=["Z"], stdout=out)

    # ZE: the Shetland Islands.
    assert codes("ZE1 0AA") == {"local_authority": "S12000027"}
    loaded = Postcode.objects.count()
    assert loaded > 500
    assert f"Loaded {loaded:,} postcodes" in out.getvalue()


@pytest.mark.django_db
def test_import_areas_names_areas_and_the_schemes_eligible_area(scheme: Any) -> None:
    call_command("import_areas", str(DATA / "areas.csv"), eligible="E09000033", stdout=io.StringIO())

    westminster = Area.objects.get(code="E09000033")
    assert (westminster.name, westminster.kind) == ("Westminster", AreaKind.LOCAL_AUTHORITY)
    assert Area.objects.get(code="E05013806").parent == westminster
    assert Area.objects.get(code="E14001172").representative == "Rachel Blake MP"
    assert Scheme.objects.get().eligible_area == westminster


@pytest.mark.django_db
def test_import_areas_reports_the_line_of_a_bad_row(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "areas.csv"
    bad.write_text("code,name,kind\nE1,One,local_authority\nE2,Two,county\n")
    with pytest.raises(CommandError, match="Line 3: Unknown kind of area: county"):
        call_command("import_areas", str(bad), stdout=io.StringIO())
    assert not Area.objects.exists()  # nothing half-imported


@pytest.mark.django_db
def test_import_boundaries_command_sets_boundaries_and_names() -> None:
    call_command("import_areas", str(DATA / "areas.csv"), stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "import_boundaries",
        str(DATA / "wards.geojson"),
        kind="ward",
        code_property="WD24CD",
        name_property="WD24NM",
        parent="E09000033",
        stdout=out,
    )
    assert "Imported 2 boundaries" in out.getvalue()
    st_james = Area.objects.get(code="E05013806")
    assert st_james.boundary is not None
    assert st_james.boundary["type"] == "Polygon"
    vincent = Area.objects.get(code="E05013807")
    assert (vincent.name, vincent.parent_id) == ("Vincent Square", Area.objects.get(code="E09000033").pk)


@pytest.mark.django_db
def test_import_boundaries_refuses_a_feature_that_is_not_a_polygon(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "points.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "E1"},'
        ' "geometry": {"type": "Point", "coordinates": [0, 51]}}]}'
    )
    with pytest.raises(CommandError, match="not a polygon"):
        call_command("import_boundaries", str(path), kind="ward", stdout=io.StringIO())
    assert not Area.objects.exists()
