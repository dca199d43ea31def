"""CSV and PDF exports: the public petitions list, and staff schedules of signatories.

Memory: the CSVs are StreamingHttpResponses over `.iterator(chunk_size=2000)` querysets of
plain tuples, so at most one chunk of rows (plus one CSV line) is in memory whatever the
number of rows; tests/api/test_exports.py measures 100,000 signatures (docs/api.md).
The PDF is built page by page from the same iterator (no list of rows is ever made), but
fpdf2 keeps every finished page's compressed content stream until the document is
written, so its memory grows with the number of pages (about 2 KB per page of 45 rows);
the bytes are then sent in 64 KB pieces. See `signatories_pdf`.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe
from fpdf import FPDF

from townhall.accounts.decorators import moderator_required
from townhall.core.exports import stream_csv
from townhall.petitions.selectors import PETITION_CSV_FIELDS, petition_get, petition_iter_public_rows
from townhall.schemes.selectors import scheme_get_current
from townhall.signatures.selectors import (
    signature_count_schedule_for_staff,
    signature_has_area,
    signature_iter_schedule_for_staff,
)

if TYPE_CHECKING:
    from townhall.petitions.models import Petition

CHUNK_SIZE = 2000
PDF_PIECE = 64 * 1024


@require_safe
def petitions_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every published petition, one row each: no personal data (not even the creator's
    name), and no text for rejections that hide it."""
    rows = (list(row) for row in petition_iter_public_rows(chunk_size=CHUNK_SIZE))
    response = stream_csv([*PETITION_CSV_FIELDS, "url"], _with_url(request, rows), filename="petitions.csv")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _with_url(request: HttpRequest, rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    base = request.build_absolute_uri("/petitions/")
    for row in rows:
        yield [*row, f"{base}{row[0]}/"]


# --- staff: schedules of signatories ---------------------------------------------------


def _schedule_header() -> list[str]:
    return ["number", "name", "postcode", *(["area"] if signature_has_area() else []), "confirmed_at"]


@require_safe
@moderator_required
def signatories_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The confirmed signatories of one petition, in the order they confirmed, streamed."""
    petition = petition_get(petition_id=pk)
    rows = signature_iter_schedule_for_staff(petition_id=petition.pk, chunk_size=CHUNK_SIZE)
    numbered = ((n, *row) for n, row in enumerate(rows, start=1))
    return stream_csv(_schedule_header(), numbered, filename=f"petition-{petition.pk}-signatories.csv")


def _latin1(value: Any) -> str:
    """fpdf2's core fonts are Latin-1: keep every character Latin-1 has (ë, é), strip the
    accent from those it lacks (ř → r), and print "?" for the rest (Ł): never fail on a name."""
    text = "" if value is None else str(value)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


class _SchedulePDF(FPDF):
    def __init__(self, *, title: str, subtitle: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.schedule_title = title
        self.schedule_subtitle = subtitle
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 6, self.schedule_title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, self.schedule_subtitle, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def build_schedule_pdf(*, petition: Petition, body_name: str) -> bytes:
    """The printable schedule: a title block, then numbered rows, 45 or so to a page.

    Rows come from the database iterator one chunk at a time and are written straight
    onto pages; only the finished pages' (compressed) content stays in memory.
    """
    count = signature_count_schedule_for_staff(petition_id=petition.pk)
    generated = timezone.localtime().strftime("%d %B %Y %H:%M")
    pdf = _SchedulePDF(
        title=_latin1(f"Schedule of signatories: petition {petition.pk} to {body_name}"),
        subtitle=_latin1(f"{petition.action} - {count:,} confirmed signatures - produced {generated}"),
    )
    header = _schedule_header()
    widths = {"number": 18, "name": 72, "postcode": 26, "area": 40, "confirmed_at": 34}
    pdf.add_page()

    def table_header() -> None:
        pdf.set_font("Helvetica", "B", 9)
        for name in header:
            pdf.cell(widths[name], 6, name.replace("_", " ").capitalize(), border="B")
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)

    table_header()
    rows = signature_iter_schedule_for_staff(petition_id=petition.pk, chunk_size=CHUNK_SIZE)
    for number, row in enumerate(rows, start=1):
        if pdf.will_page_break(5):
            pdf.add_page()
            table_header()
        values = [number, *row]
        for name, value in zip(header, values, strict=True):
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
            pdf.cell(widths[name], 5, _latin1(value)[:48])
        pdf.ln()
    if count == 0:
        pdf.cell(0, 6, "No confirmed signatures.")
    return bytes(pdf.output())


@require_safe
@moderator_required
def signatories_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    petition = petition_get(petition_id=pk)
    document = build_schedule_pdf(petition=petition, body_name=scheme_get_current().body.name)
    pieces = (document[i : i + PDF_PIECE] for i in range(0, len(document), PDF_PIECE))
    response = StreamingHttpResponse(pieces, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="petition-{petition.pk}-signatories.pdf"'
    response["Content-Length"] = str(len(document))
    return response
