"""The roster file (花名册): refused unless harmless, then read into rows under a found header.

Files are untrusted: the kind is told by the content (.xlsx, .ods, .xls, .csv), an archive
is checked (size, declared uncompressed size, compression ratio, DTDs, formulas, cells far
outside any roster) before calamine parses a byte of it. The header is found by its names
(docs/roster.md) within the first rows of each sheet, in any column order, under any of its aliases.
"""

import csv
import io
import re
import tempfile
import zipfile
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from households.roster.columns import COLUMNS, HEADER_NAMES  # noqa: F401

HEADER_SEARCH_ROWS = 20
MAX_ARCHIVE_MEMBERS = 1000
#: Worksheet XML compresses about 10–30×; a member far beyond that is a bomb, not a roster.
MAX_COMPRESSION_RATIO = 200
FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
NOTE = re.compile(r"\(.*\)$")


class RosterRefused(Exception):
    """The file is refused as a whole (not a roster file, corrupt, too big, hostile)."""


#: A row of the roster is known by one number: the sheet's index times STRIDE plus its row in
#: the sheet (larger than any sheet's last row), so one sheet's rows keep their own numbers.
STRIDE = 1 << 21
XLSX, ODS, XLS, CSV = "xlsx", "ods", "xls", "csv"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls (BIFF8)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
#: A cell far outside any roster (column AAA or later, row 200,000 or later): a stray space
#: there makes a spreadsheet reader hold the whole range in memory. The first two letters are
#: taken possessively (no backtracking into them), which makes the scan of a sheet's million
#: cells a third faster; a fourth letter counts as far too.
FAR_CELL = re.compile(rb'<c r="[A-Z]{1,2}+(?:[A-Z]|[2-9][0-9]{5}|[0-9]{7})')
FAR_ODS_ROW = re.compile(rb'number-rows-repeated="[0-9]{5,}"')
ODS_FORMULA = re.compile(rb"table:formula=")
HIDDEN_ROW = re.compile(rb'<row r="([0-9]+)"[^>]*? hidden="(?:1|true)"')
#: Rows under the data that are not persons: totals and signatures.
FOOTER = re.compile(
    r"^(?:合计|总计|小计|共计|填表人|填报人|制表人|审核人|审核|负责人|填表日期|填报日期|单位负责人)"
)


def check_file(path, max_bytes=None) -> tuple[str, bool, dict]:
    """Refuse anything but a plain, reasonably sized roster file before any parser sees it.

    Returns its kind (xlsx, ods, xls or csv, told by its content, not its name), whether its
    sheets reach far beyond any roster (then `RosterFile` reads a bounded copy), and the
    hidden rows of each worksheet part of an xlsx (found on the same pass)."""
    max_bytes = max_bytes or settings.ROSTER_MAX_BYTES
    if path.stat().st_size > max_bytes:
        raise RosterRefused(
            _("The file is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)}
        )
    with path.open("rb") as file:
        head = file.read(8)
    if head == OLE:
        return XLS, False, {}
    if not zipfile.is_zipfile(path):
        return _check_text(path), False, {}
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive)
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


def _check_archive(archive):
    members = archive.infolist()
    names = {member.filename for member in members}
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise _not_a_roster()
    if "[Content_Types].xml" in names:
        kind = XLSX
    elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        kind = ODS
    else:
        raise _not_a_roster()
    declared = sum(member.file_size for member in members)
    too_compressed = any(
        member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1024)
        for member in members
    )
    if declared > settings.ROSTER_MAX_UNCOMPRESSED_BYTES or too_compressed:
        raise RosterRefused(
            _("The file unpacks to far more data than a roster holds; it was refused.")
        )
    for part in ("[Content_Types].xml", "xl/workbook.xml", "META-INF/manifest.xml"):
        if part in names:
            defusedxml.ElementTree.fromstring(archive.read(part), forbid_dtd=True)
    far, hidden = False, {}
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            part_far, hidden[member.filename] = _scan_part(archive, member, kind)
            far |= part_far
    return kind, far, hidden


def _check_text(path):
    """A CSV file: text in UTF-8 (with or without BOM) or GB18030, with no NUL byte."""
    data = path.read_bytes()
    if b"\0" in data:
        raise _not_a_roster()
    return CSV


def _refuse_dtd():
    return RosterRefused(_("The file contains XML declarations (DTD/ENTITY) and was refused."))


def _refuse_formulas():
    return RosterRefused(
        _(
            "The workbook contains formulas. Copy the sheet and paste it as values "
            "only, then upload it again."
        )
    )


def _scan_part(archive, member, kind):
    """Stream one XML part looking for DTDs anywhere, formulas, far cells and hidden rows in
    sheets: (whether the sheet reaches far beyond any roster, its hidden rows)."""
    is_sheet = member.filename.startswith("xl/worksheets/") or (
        kind == ODS and member.filename == "content.xml"
    )
    formula = FORMULA if kind == XLSX else ODS_FORMULA
    far, hidden = False, set()
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            if not tail and b"\x00" in chunk[:4]:
                # UTF-16 or UTF-32 (the "<" of the first markup beside a zero byte): the
                # checks below look for ASCII bytes, which such a part does not hold. Excel, WPS
                # and LibreOffice write UTF-8.
                raise RosterRefused(
                    _(
                        "The workbook has a part written in UTF-16 or UTF-32, which spreadsheet "
                        "programs do not write; open it in Excel, WPS or LibreOffice and save it "
                        "again."
                    )
                )
            text = tail + chunk
            # A regular expression runs only on a chunk holding a character it needs ("!" for
            # a DTD, "f" for a formula): looking for one byte is many times faster, and most
            # worksheets hold neither outside such markup.
            if b"!" in text and DTD.search(text):
                raise _refuse_dtd()
            if is_sheet:
                if b"f" in text and formula.search(text):
                    raise _refuse_formulas()
                far = far or bool((FAR_CELL if kind == XLSX else FAR_ODS_ROW).search(text))
                if kind == XLSX and b'hidden="' in text:
                    hidden.update(map(int, HIDDEN_ROW.findall(text)))
            tail = text[-200:]
    return far, hidden


class SheetFile:
    """A checked spreadsheet (xlsx, xls, ods or csv), read as the rows of its visible sheets
    (`raw_sheets`) in bounded memory; the roster and the outside lists read it."""

    def __init__(self, path):
        self.path = Path(path)
        self.kind, far, self._hidden_by_part = check_file(self.path, self.max_bytes())
        self.hidden = []  # row keys of hidden (or filtered) rows, where the format tells
        self._bounded = _bounded_copy(self.path, self.kind) if far else None

    def max_rows(self):
        return settings.ROSTER_MAX_ROWS

    def max_bytes(self):
        return settings.ROSTER_MAX_BYTES

    def close(self):
        if self._bounded:
            self._bounded.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def _hidden_rows(self, path, names):
        """The row keys of the hidden (or filtered) rows of the worksheets ``names``."""
        if not any(self._hidden_by_part.values()):
            return []
        with zipfile.ZipFile(path) as archive:
            parts = _worksheet_parts(archive)
        return sorted(
            index * STRIDE + row
            for index, name in enumerate(names)
            for row in self._hidden_by_part.get(parts.get(name), ())
        )

    def raw_sheets(self):
        """(name, (row number, cells) from row 1) of every visible worksheet."""
        if self.kind == CSV:
            yield self.path.stem, enumerate(_csv_rows(self.path), start=1)
            return
        source = Path(self._bounded.name) / "bounded" if self._bounded else self.path
        try:
            workbook = CalamineWorkbook.from_path(str(source))
            sheets = [
                (index, meta.name)
                for index, meta in enumerate(workbook.sheets_metadata)
                if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
            ]
            if self.kind == XLSX:
                self.hidden = self._hidden_rows(source, [name for _i, name in sheets])
            for index, name in sheets:
                sheet = workbook.get_sheet_by_index(index)
                if sheet.height > self.max_rows() + HEADER_SEARCH_ROWS:
                    raise RosterRefused(
                        _("The file has more than %(limit)s rows; split it into several files.")
                        % {"limit": self.max_rows()}
                    )
                yield name, _numbered_rows(sheet)
        except (CalamineError, ValueError, IndexError) as exc:
            raise RosterRefused(_("The file is damaged and cannot be read.")) from exc


class RosterFile(SheetFile):
    """A checked roster file, read sheet by sheet: every visible sheet with a roster header is
    read (a notes sheet such as 填表说明 has none), under that header; repeated headers,
    totals and signature rows are skipped and counted; hidden rows are read and noted."""

    def __init__(self, path):
        super().__init__(path)
        self.skipped = Counter()  # "repeated_header", "footer"
        self.sheet_names = []
        try:
            self.sheets = self._read_sheets()
        except BaseException:
            self.close()
            raise

    def _read_sheets(self):
        """[(sheet index, its rows' iterator positioned after the header, the header)]."""
        found = []
        for index, (name, rows) in enumerate(self.raw_sheets()):
            rows = iter(rows)
            for number, cells in rows:
                header = _header(cells)
                if header:
                    found.append((index, name, rows, header, number))
                    break
                if number >= HEADER_SEARCH_ROWS:
                    break
        if not found:
            raise RosterRefused(
                _(
                    "No header row was found: the roster needs the columns 户编号, 姓名 and 证件号码."  # noqa: E501
                )
            )
        first_keys = set(found[0][3][0])
        for _index, name, _rows, (columns, _ignored), _number in found[1:]:
            if set(columns) != first_keys:
                raise RosterRefused(
                    _(
                        "The sheets %(first)s and %(other)s have different columns: give every "
                        "sheet the same header, or upload them one at a time."
                    )
                    % {"first": found[0][1], "other": name}
                )
        self.sheet_names = [name for _index, name, *_rest in found]
        self.names_by_index = {index: name for index, name, *_rest in found}
        self.header_rows = {name: number for _index, name, _rows, _header, number in found}
        return found

    @property
    def header(self):
        """(column key → (index, name), ignored names) of the first data sheet."""
        return self.sheets[0][3]

    def rows(self):
        """(row key, cells) of every data sheet, in the first sheet's column order."""
        layout = self.header[0]
        for index, _name, rows, (columns, _ignored), _number in self.sheets:
            order = None
            if columns != layout:
                width = max(i for i, _name in layout.values()) + 1
                order = [None] * width
                for key, (position, _name) in layout.items():
                    order[position] = columns[key][0]
            offset = index * STRIDE
            at = columns["number"][0]
            for number, cells in rows:
                household = cells[at] if at < len(cells) else ""
                # Only a row without a household number can be a header or a footer.
                if not (type(household) is str and household.isdigit()):
                    if _header(cells):
                        self.skipped["repeated_header"] += 1
                        continue
                    if _is_footer(cells, household):
                        self.skipped["footer"] += 1
                        continue
                if order:
                    cells = [cells[i] if i is not None and i < len(cells) else "" for i in order]
                yield offset + number, cells


def _numbered_rows(sheet):
    """(Excel row number, cells from column A) for every row from row 1; calamine starts at
    the first used cell, so the rows and columns before it are put back."""
    first_row, first_column = sheet.start or (0, 0)
    for number in range(1, first_row + 1):
        yield number, []
    padding = [""] * first_column
    for offset, cells in enumerate(sheet.iter_rows(), start=first_row + 1):
        yield offset, padding + cells if padding else cells


def _csv_rows(path):
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterRefused(_("The CSV file is neither UTF-8 nor GB18030 text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text, newline=""), dialect)


def _is_footer(cells, household):
    """A totals or signature row: no household number, and a cell that opens with 合计,
    填表人 and the like."""
    if str(household).strip().isdigit():
        return False
    return any(isinstance(cell, str) and FOOTER.match(cell.strip()) for cell in cells)


def _worksheet_parts(archive):
    """Sheet name → its part in an xlsx, from the workbook and its relationships."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        workbook = defusedxml.ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = defusedxml.ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", ns)}
    parts = {}
    for sheet in workbook.iterfind("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


BLANK_SHARED = re.compile(rb"<si>(.*?)</si>", re.DOTALL)
TAGS = re.compile(rb"<[^>]*>")
XLSX_CELL = re.compile(rb"<c r=\"[A-Z]+[0-9]+\"([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
CELL_TYPE = re.compile(rb' t="([a-zA-Z]+)"')
DIMENSION = re.compile(rb"<dimension [^>]*/>")
ODS_BLANK_CELL = re.compile(
    rb'<table:table-cell((?: table:number-columns-repeated="[0-9]+")?)[^>]*?'
    rb'office:value-type="string"[^>]*>\s*<text:p>(?:\s|<text:s(?: [^>]*)?/>)*</text:p>\s*'
    rb"</table:table-cell>"
)


def _bounded_copy(path, kind):
    """A copy of the workbook at ``path`` without its blank cells (a space, an empty string),
    in a temporary directory as "bounded": a stray blank far outside the roster is what makes a
    reader hold millions of cells. A value that is still far outside is refused by name."""
    directory = tempfile.TemporaryDirectory()
    target = Path(directory.name) / "bounded"
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        blank = set()
        if kind == XLSX and "xl/sharedStrings.xml" in source.namelist():
            strings = BLANK_SHARED.findall(source.read("xl/sharedStrings.xml"))
            blank = {
                str(i).encode() for i, si in enumerate(strings) if not TAGS.sub(b"", si).strip()
            }
        for item in source.infolist():
            data = source.read(item.filename)
            if kind == XLSX and item.filename.startswith("xl/worksheets/"):
                data = DIMENSION.sub(b"", XLSX_CELL.sub(lambda m: _kept(m, blank), data))
                far = FAR_CELL.search(data)
                if far:
                    cell = data[far.start() + 6 : data.index(b'"', far.start() + 6)].decode()
                    directory.cleanup()
                    raise RosterRefused(
                        _(
                            "The sheet holds a value in cell %(cell)s, far outside the roster: "
                            "delete it and upload the file again."
                        )
                        % {"cell": cell}
                    )
            elif kind == ODS and item.filename == "content.xml":
                data = ODS_BLANK_CELL.sub(rb"<table:table-cell\1/>", data)
            copy.writestr(item, data)
    return directory


def _kept(match, blank):
    """The cell as it was, or nothing when it holds only blank text."""
    attributes, body = match.group(1), match.group(2) or b""
    kind = CELL_TYPE.search(attributes)
    kind = kind.group(1) if kind else b"n"
    text = TAGS.sub(b"", body).strip()
    if not text or (kind == b"s" and text in blank):
        return b""
    return match.group(0)


def error_workbook(path, problems, output):
    """The uploaded roster with its problems, written to ``output``: each data sheet keeps its
    name and rows, under a first column 错误 that holds each row's problems. Every text is
    written as text, so nothing the upload held can run as a formula."""
    from openpyxl import Workbook

    from teams.tables import append_row

    with RosterFile(path) as roster:
        first = roster.sheet_names[0]
        messages = defaultdict(list)
        for problem in problems:
            if problem["row"]:
                where = (problem.get("sheet") or first, problem["row"])
                messages[where].append(f"{problem['column']}：{problem['message']}")
        workbook = Workbook(write_only=True)
        for name, rows in roster.raw_sheets():
            if name not in roster.header_rows:
                continue
            sheet = workbook.create_sheet(name[:31])
            for number, cells in rows:
                if number == roster.header_rows[name]:
                    append_row(sheet, [_("Errors"), *cells])
                else:
                    append_row(sheet, ["；".join(messages[(name, number)]), *cells])
        workbook.save(output)


def _header(cells):
    """(column key → (index, name), ignored names) when ``cells`` is a header row, else None."""
    columns, ignored = {}, []
    for index, cell in enumerate(cells):
        name = "".join(str(cell).split()).replace("（", "(").replace("）", ")")
        if not name:
            continue
        key = _column_key(name)
        if key is None or key in columns:
            ignored.append(name)
        else:
            columns[key] = (index, name)
    if not {"number", "name", "id_number"} <= columns.keys():
        return None
    return columns, ignored


def _column_key(name):
    """The column of a header name (whitespace removed, ASCII brackets): as listed, or
    without a required mark (*姓名) or a note in brackets (证件号码(身份证号))."""
    key = HEADER_NAMES.get(name)
    if key is None:
        bare = name.strip("*＊")
        key = HEADER_NAMES.get(bare) or HEADER_NAMES.get(NOTE.sub("", bare))
    return key


def _not_a_roster():
    return RosterRefused(
        _(
            "The file is not a roster workbook: upload an Excel or WPS workbook (.xlsx, .xls), "
            "a LibreOffice sheet (.ods) or a CSV file."
        )
    )
