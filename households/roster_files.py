"""The roster file (花名册): refused unless harmless, then read into rows under a found header.

Files are untrusted: the archive is checked (size, declared uncompressed size, compression
ratio, DTDs, formulas) before calamine parses a byte of it. The header is found by its names
(ROSTER.md) within the first rows, in any column order, under any of its aliases.
"""

import re
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

# The columns of ROSTER.md: key → accepted header names (whitespace removed, ASCII brackets).
COLUMNS = {
    "number": ("户编号", "户号"),
    "township": ("乡镇", "镇", "乡镇(街道)"),
    "village": ("行政村", "村", "村委会"),
    "village_code": ("村代码",),
    "name": ("姓名",),
    "id_number": ("证件号码", "身份证号", "身份证号码"),
    "relation": ("与户主关系",),
    "sex": ("性别",),
    "ethnicity": ("民族",),
    "education": ("文化程度",),
    "in_school": ("在校生状况",),
    "health": ("健康状况",),
    "labour_skill": ("劳动技能",),
    "work_status": ("务工状况",),
    "attribute": ("贫困户属性",),
    "ability": ("劳动能力",),
    "main_cause": ("主要致贫原因",),
    "other_causes": ("其他致贫原因",),
    "phone": ("联系电话",),
    "contact_cadre": ("帮扶责任人",),
    "registered_on": ("建档日期",),
}
HEADER_NAMES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
HEADER_SEARCH_ROWS = 20
MAX_ARCHIVE_MEMBERS = 1000
#: Worksheet XML compresses about 10–30×; a member far beyond that is a bomb, not a roster.
MAX_COMPRESSION_RATIO = 200
FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class RosterRefused(Exception):
    """The file is refused as a whole (not an xlsx, corrupt, too big, hostile)."""


def check_archive(path) -> None:
    """Refuse anything but a plain, reasonably sized xlsx before any parser sees it."""
    if path.stat().st_size > settings.ROSTER_MAX_BYTES:
        raise RosterRefused(
            _("The file is larger than %(limit)s MB.")
            % {"limit": settings.ROSTER_MAX_BYTES // (1024 * 1024)}
        )
    if not zipfile.is_zipfile(path):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if len(members) > MAX_ARCHIVE_MEMBERS or "[Content_Types].xml" not in names:
                raise _not_xlsx()
            declared = sum(member.file_size for member in members)
            too_compressed = any(
                member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1024)
                for member in members
            )
            if declared > settings.ROSTER_MAX_UNCOMPRESSED_BYTES or too_compressed:
                raise RosterRefused(
                    _("The file unpacks to far more data than a roster holds; it was refused.")
                )
            for part in ("[Content_Types].xml", "xl/workbook.xml"):
                if part in names:
                    defusedxml.ElementTree.fromstring(archive.read(part), forbid_dtd=True)
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    _scan_part(archive, member)
    except DefusedXmlException as exc:
        raise _refuse_dtd() from exc
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        UnicodeDecodeError,
        NotImplementedError,  # unsupported compression or encryption
        RuntimeError,  # an encrypted member
        defusedxml.ElementTree.ParseError,
    ) as exc:
        raise RosterRefused(_("The file is damaged and cannot be read.")) from exc


def _refuse_dtd():
    return RosterRefused(_("The file contains XML declarations (DTD/ENTITY) and was refused."))


def _scan_part(archive, member):
    """Stream one XML part looking for DTDs anywhere and formulas in worksheets."""
    is_sheet = member.filename.startswith("xl/worksheets/")
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            # A regular expression runs only on a chunk holding a character it needs ("!" for
            # a DTD, "f" for a formula): looking for one byte is many times faster, and most
            # worksheets hold neither outside such markup.
            if b"!" in text and DTD.search(text):
                raise _refuse_dtd()
            if is_sheet and b"f" in text and FORMULA.search(text):
                raise RosterRefused(
                    _(
                        "The workbook contains formulas. Copy the sheet and paste it as values "
                        "only, then upload it again."
                    )
                )
            tail = text[-32:]


def read_rows(path):
    """The header (column index → key, ignored names) and the data rows with their row numbers."""
    sheet = _open_sheet(path)
    if sheet.height > settings.ROSTER_MAX_ROWS + HEADER_SEARCH_ROWS:
        raise RosterRefused(
            _("The roster has more than %(limit)s rows; split it into several files.")
            % {"limit": settings.ROSTER_MAX_ROWS}
        )
    rows = _numbered_rows(sheet)
    for number, cells in rows:
        header = _header(cells)
        if header:
            return header, rows
        if number >= HEADER_SEARCH_ROWS:
            break
    raise RosterRefused(
        _("No header row was found: the roster needs the columns 户编号, 姓名 and 证件号码.")
    )


def _open_sheet(path):
    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except (CalamineError, ValueError, IndexError) as exc:
        raise RosterRefused(_("The file is damaged and cannot be read.")) from exc


def _numbered_rows(sheet):
    """(Excel row number, cells from column A) for every row from row 1; calamine starts at
    the first used cell, so the rows and columns before it are put back."""
    first_row, first_column = sheet.start or (0, 0)
    for number in range(1, first_row + 1):
        yield number, []
    padding = [""] * first_column
    for offset, cells in enumerate(sheet.iter_rows(), start=first_row + 1):
        yield offset, padding + cells if padding else cells


def error_workbook(path, problems, output):
    """The uploaded roster with a column of its problems added, written to ``output``."""
    from openpyxl import Workbook

    check_archive(Path(path))
    messages = defaultdict(list)
    for problem in problems:
        if problem["row"]:
            messages[problem["row"]].append(f"{problem['column']}：{problem['message']}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    header_found = False
    for number, cells in _numbered_rows(_open_sheet(path)):
        if not header_found and _header(cells):
            header_found = True
            sheet.append([*cells, _("Errors")])
        else:
            sheet.append([*cells, "；".join(messages[number])])
    workbook.save(output)


def _header(cells):
    columns, ignored = {}, []
    for index, cell in enumerate(cells):
        name = "".join(str(cell).split()).replace("（", "(").replace("）", ")")
        if not name:
            continue
        key = HEADER_NAMES.get(name)
        if key is None or key in columns:
            ignored.append(name)
        else:
            columns[key] = (index, name)
    if not {"number", "name", "id_number"} <= columns.keys():
        return None
    return columns, ignored


def _not_xlsx():
    return RosterRefused(
        _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")
    )
