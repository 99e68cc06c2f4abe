"""Hostile and broken files are refused with a clear message, before any parser reads them."""

import zipfile

import pytest

from households.models import Household, Person
from households.roster import RosterRefused, roster_import
from tests.households.rosters import create_county, family, rewrite_zip, write_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(db):
    return create_county()


@pytest.fixture
def roster(tmp_path):
    return write_roster(tmp_path / "good.xlsx", family())


def refused(path, county):
    with pytest.raises(RosterRefused) as caught:
        roster_import(path=path, county=county)
    assert (Household.objects.count(), Person.objects.count()) == (0, 0)
    return str(caught.value)


def test_a_file_that_is_no_roster_is_refused_whatever_its_name(tmp_path, county):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    assert "不是花名册" in refused(path, county)


def test_a_text_file_without_the_roster_columns_is_refused(tmp_path, county):
    path = tmp_path / "roster.csv"
    path.write_text("户编号,姓名\n", encoding="utf-8")
    assert "没有找到表头行" in refused(path, county)


def test_a_zip_without_workbook_parts_is_refused(tmp_path, county):
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是花名册" in refused(path, county)


def test_a_corrupt_archive_is_refused(tmp_path, county, roster):
    data = bytearray(roster.read_bytes())
    for i in range(200, 1200):  # damage the compressed data, keep the directory
        data[i] ^= 0x5A
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    assert "已损坏" in refused(path, county)


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path, county, roster):
    path = tmp_path / "bomb.xlsx"

    def inflate(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data + b" " * (50 * 1024 * 1024)  # compresses about a thousandfold
        return data

    rewrite_zip(roster, path, inflate)
    assert path.stat().st_size < 1024 * 1024
    assert "解压后的数据量" in refused(path, county)


def test_a_file_over_the_size_limit_is_refused(settings, county, roster):
    settings.ROSTER_MAX_BYTES = 1000
    assert "大于" in refused(roster, county)


def test_a_roster_over_the_row_limit_is_refused(settings, county, roster):
    settings.ROSTER_MAX_ROWS = 2
    assert "超过 2 行" in refused(roster, county)


def test_a_declared_uncompressed_size_over_the_limit_is_refused(settings, county, roster):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 1000
    assert "解压后的数据量" in refused(roster, county)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_xml_entity_declarations_are_refused(tmp_path, county, roster, part):
    path = tmp_path / "entities.xlsx"
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'

    def inject(name, data):
        if name == part:
            end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
            return data[:end] + dtd + data[end:]
        return data

    rewrite_zip(roster, path, inject)
    assert "DTD/ENTITY" in refused(path, county)


def test_formulas_are_refused(tmp_path, county):
    rows = family()
    rows[0]["姓名"] = '=CONCATENATE("张","大山")'
    path = write_roster(tmp_path / "formula.xlsx", rows)
    assert "公式" in refused(path, county)


@pytest.mark.parametrize(
    "markup",
    [
        b"<f>1+1</f>",
        b'<f t="shared" ref="D3:D4" si="0"/>',
        b"<x:f>1+1</x:f>",  # a namespace prefix, as some writers use
        b"<!doctype x>",  # a DTD in lowercase, after the XML declaration
    ],
)
def test_formula_and_dtd_markup_is_found_however_it_is_written(tmp_path, county, roster, markup):
    path = tmp_path / "markup.xlsx"

    def inject(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"</c>", markup + b"</c>", 1)
        return data

    rewrite_zip(roster, path, inject)
    assert ("DTD/ENTITY" if markup.startswith(b"<!") else "公式") in refused(path, county)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_xml_parts_in_utf16_or_utf32_are_refused(tmp_path, county, roster, part, encoding):
    """A DTD written in UTF-16 has none of the bytes the check looks for: such parts (which
    Excel, WPS and LibreOffice never write) are refused, DTD or not."""
    path = tmp_path / "utf16.xlsx"
    dtd = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'

    def recode(name, data):
        if name == part:
            text = data.decode().replace('encoding="UTF-8"', f'encoding="{encoding}"')
            end = text.index("?>") + 2 if text.startswith("<?xml") else 0
            return (text[:end] + dtd + text[end:]).encode(encoding)
        return data

    rewrite_zip(roster, path, recode)
    assert "UTF-16" in refused(path, county)
    assert not Household.objects.exists()
