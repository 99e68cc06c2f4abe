"""One number format for pages, printouts and workbooks, and sheets an office can file.

On a page a rate reads 93.0% and money 60,000.00 (`shown`); in a workbook the same cell keeps
its number and carries the Excel format that shows it that way (`FORMATS`), so it still sums
and sorts. `write_table` gives every sheet the same shape: an optional title row, a bold
header, column widths, the header (and the first columns) frozen and an autofilter.

Every value goes through `cell`, so no exported text can run as a formula in Excel, and every
text comes back as it was written (no apostrophe added to it).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, COUNT, MONEY, PERCENT, SCORE, DATE = "text", "count", "money", "percent", "score", "date"
#: The Excel number format of each kind of value.
FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", PERCENT: "0.0%", SCORE: "0.0", DATE: "yyyy-mm-dd"}
#: Column widths (in characters) a kind of value needs when a column does not say.
WIDTHS = {TEXT: 14, COUNT: 10, MONEY: 14, PERCENT: 9, SCORE: 8, DATE: 12}


def shown(value: Any, kind: str) -> str:
    """``value`` as the pages and printouts show it: 93.0%, 60,000.00, 1,234, a score of
    92.5, 2026-12-02; a missing number as —."""
    if value is None or value == "":
        return "" if kind == TEXT else "—"
    if kind == PERCENT:
        return f"{Decimal(str(value)) * 100:.1f}%"
    if kind == MONEY:
        return f"{Decimal(str(value)):,.2f}"
    if kind == SCORE:
        return f"{Decimal(str(value)):.1f}"
    if kind == COUNT:
        return f"{value:,}"
    if kind == DATE and isinstance(value, date | datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


@dataclass(frozen=True)
class Column:
    """A column of a table: its heading, how a row gives its value, and what kind of value it
    is (TEXT, COUNT, MONEY, PERCENT, SCORE or DATE)."""

    label: Any
    value: Callable[[Any], Any] = str
    kind: str = TEXT
    width: int | None = None

    def shown(self, row: Any) -> str:
        return shown(self.value(row), self.kind)


def cell(sheet: Any, value: Any, kind: str = TEXT, *, bold: bool = False) -> Any:
    """``value`` as a cell of ``sheet`` (a write-only one too), in the format of its kind.
    Text that Excel would take for a formula (a leading = + - @ tab or CR) is written as
    quote-prefixed text: Excel shows it, edits it and saves it as that text."""
    if value is not None and not isinstance(value, str | int | float | Decimal | date):
        value = str(value)  # lazy translations, model choices
    formula = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    number_format = None if value is None or isinstance(value, str) else FORMATS.get(kind)
    if not (formula or number_format or bold):
        return value
    written = WriteOnlyCell(sheet, value)
    if formula:
        written.data_type, written.quotePrefix = "s", True
    if number_format:
        written.number_format = number_format
    if bold:
        written.font = Font(bold=True)
    return written


def append_row(sheet: Any, values: Iterable[Any], kinds: Sequence[str] = ()) -> None:
    """Append ``values`` to ``sheet``, each in the format of its kind (TEXT where not given)."""
    kinds = list(kinds)
    sheet.append(
        [cell(sheet, value, kinds[i] if i < len(kinds) else TEXT) for i, value in enumerate(values)]
    )


def write_table(
    sheet: Any,
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    title: str | None = None,
    frozen: int = 1,
) -> int:
    """Write ``rows`` under a header of ``columns`` (and a title row above it when given):
    widths, formats, the header and the first ``frozen`` columns frozen, an autofilter over
    the header and the rows. Returns the number of rows written."""
    for index, column in enumerate(columns, start=1):
        width = column.width or max(WIDTHS[column.kind], 2 * len(str(column.label)) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = 2 if title else 1
    # A write-only sheet writes its view (the frozen panes) before its first row.
    sheet.freeze_panes = f"{get_column_letter(frozen + 1)}{header + 1}"
    if title:
        heading = cell(sheet, title, bold=True)
        heading.font = Font(size=14, bold=True)
        sheet.append([heading])
    sheet.append([cell(sheet, str(column.label), bold=True) for column in columns])
    kinds = [column.kind for column in columns]
    count = 0
    for row in rows:
        append_row(sheet, [column.value(row) for column in columns], kinds)
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{header}:{last}{header + count}"
    return count


def workbook_response(workbook: Any, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    workbook.save(response)
    return response


def wants_workbook(request: Any) -> bool:
    """A list page asked for as its workbook: ``?format=xlsx``, the page's 下载 .xlsx link
    (templates/_download.html), with the page's own filters and without its pagination."""
    return request.GET.get("format") == "xlsx"


def list_workbook(title: str, *sheets: tuple[Any, Sequence[Column], Iterable[Any]]) -> HttpResponse:
    """The workbook of a list page: one sheet per (name, columns, rows), each under the title
    and today's date; the file is named the same way."""
    book = Workbook(write_only=True)
    heading = f"{title} {timezone.localdate():%Y-%m-%d}"
    for name, columns, rows in sheets:
        write_table(book.create_sheet(str(name)), columns, rows, title=heading)
    return workbook_response(book, f"{heading}.xlsx")
