import io

import openpyxl
import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from households.models import Disclosure
from teams.tables import append_row
from tests.factories import AreaFactory, PersonFactory, reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(db):
    head = PersonFactory(
        name='=HYPERLINK("x")',
        household__village=AreaFactory(code="449901101201", name="石塘1村"),
        household__phone="13812341234",
        household__attribute=reference("attribute", "低保贫困户"),
        household__main_cause=reference("cause", "因病"),
    )
    head.household.other_causes.set([reference("cause", "缺资金"), reference("cause", "因学")])
    PersonFactory(household=head.household, name="配偶", relation=reference("relation", "配偶"))
    AreaFactory(code="449902101201")
    PersonFactory(household__village=AreaFactory(code="449902101201"))
    return head


def rows(path):
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[2]]
    return [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(3)]


@pytest.mark.parametrize("write_only", [False, True])
@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "+86 13800138000"])
def test_text_that_could_run_as_a_formula_is_written_as_quote_prefixed_text(text, write_only):
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    append_row(sheet, [text, 1.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cell, number = openpyxl.load_workbook(buffer).worksheets[0][1]
    text = text.replace("\r", "\n")  # XML keeps no lone carriage return
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert number.value == 1.5
    buffer.seek(0)
    assert CalamineWorkbook.from_filelike(buffer).get_sheet_by_index(0).to_python() == [[text, 1.5]]


def test_export_roster_writes_the_county_masked_with_household_fields_on_the_head_row(
    head, tmp_path
):
    path = tmp_path / "roster.xlsx"
    call_command("export_roster", county="449901", output=str(path))
    written = rows(path)
    assert len(written) == 2
    first, second = written
    assert first["姓名"] == '=HYPERLINK("x")'  # as typed, and text (see the test above)
    name = openpyxl.load_workbook(path).active["E3"]
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    assert first["证件号码"] == "*" * 16 + head.id_number[-2:]
    assert first["贫困户属性"] == "低保贫困户"
    assert first["主要致贫原因"] == "因病"
    assert set(first["其他致贫原因"].split("、")) == {"缺资金", "因学"}
    assert first["联系电话"] == "138****1234"
    assert second["贫困户属性"] in ("", None)
    assert second["与户主关系"] == "配偶"
    assert not Disclosure.objects.exists()


def test_full_export_writes_unmasked_ids_and_is_logged(head, tmp_path):
    path = tmp_path / "roster.xlsx"
    call_command("export_roster", county="449901", output=str(path), full=True, reason="省平台")
    assert rows(path)[0]["证件号码"] == head.id_number
    log = Disclosure.objects.get()
    assert (log.action, log.area_code, log.reason) == ("export", "449901", "省平台")
