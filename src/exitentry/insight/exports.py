"""Streaming exports of the rollups: CSV row by row, XLSX through openpyxl's write-only mode.

Neither holds the period in memory. CSV rows are produced from a server-side cursor and sent as
they come (`StreamingHttpResponse`). An XLSX file is a zip that can only be finished at the end,
so the write-only workbook (which keeps no cells, only the row being written) goes to a temporary
file on disk, which is then streamed back in blocks and deleted when the response is closed.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from exitentry.insight.services import DATASETS, Filters, export_columns, export_rows

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _Echo:
    """A file-like object whose write() returns the text, for csv.writer row by row."""

    def write(self, value: str) -> str:
        return value


def _filename(filters: Filters, stem: str, extension: str) -> str:
    area = f"-{filters.city_code}" if filters.city_code else ""
    return f"exitentry-{stem}{area}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.{extension}"


def csv_lines(filters: Filters, dataset: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark so that spreadsheet programs read UTF-8
    yield writer.writerow(export_columns(dataset))
    for row in export_rows(filters, dataset):
        yield writer.writerow([_cell_text(value) for value in row])


def _cell_text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def csv_response(filters: Filters, dataset: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(filters, dataset), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, dataset, "csv")}"'
    return response


def write_workbook(filters: Filters, target: IO[bytes], datasets: Iterable[str] = DATASETS) -> None:
    """One sheet per dataset, in write-only mode (constant memory whatever the period)."""
    workbook = Workbook(write_only=True)
    titles = {
        "issuance": _("Accepted"),
        "sla": _("Promised dates"),
        "halls": _("Halls by hour"),
        "payments": _("Payments"),
    }
    for dataset in datasets:
        sheet = workbook.create_sheet(title=str(titles[dataset])[:31])
        sheet.append(export_columns(dataset))
        for row in export_rows(filters, dataset):
            sheet.append(row)
    workbook.save(target)


def xlsx_response(filters: Filters) -> FileResponse:
    spool = tempfile.TemporaryFile(prefix="exitentry-export-", suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    write_workbook(filters, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=_filename(filters, "insight", "xlsx"),
        content_type=CONTENT_TYPES["xlsx"],
    )
