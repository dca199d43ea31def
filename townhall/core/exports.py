"""Streamed CSV downloads: one way of writing a cell, so no export can carry a spreadsheet
formula, and one way of streaming the rows, so no export holds them all in memory."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula: prefix a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: nothing for None, UTC ISO 8601 for a time, and text that a
    spreadsheet would run as a formula quoted so it stays text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def stream_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    """A CSV download written line by line as the rows are read."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
