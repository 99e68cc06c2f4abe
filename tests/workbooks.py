"""Reading the workbooks the application writes, as a user sees them."""

import io

import openpyxl


def workbook_text(content: bytes) -> str:
    """Every cell of every sheet of an .xlsx, one a line."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
