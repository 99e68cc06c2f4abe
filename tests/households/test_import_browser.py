"""End to end in Chromium: upload a roster, see its errors, fix it, confirm, see the households."""

import pytest

from households.models import Household
from tests.households.rosters import create_county, family, write_roster

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_officer_uploads_fixes_and_confirms_a_roster(
    login_page, county_officer, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    create_county()
    county_officer.set_password("pw-for-tests-2016")
    county_officer.save()
    rows = family()
    rows[2]["证件号码"] = "123"
    bad = write_roster(tmp_path / "花名册.xlsx", rows)
    good = write_roster(tmp_path / "花名册-改.xlsx", family())

    page = login_page("county")
    page.click("text=花名册导入")
    page.click("text=导入花名册")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=上传并校验")
    assert "什么也没有写入" in page.text_content("h2")
    assert "123" in page.text_content("#problems")

    page.click("text=上传改正后的花名册")
    page.set_input_files("input[name=file]", str(good))
    page.click("text=上传并校验")
    assert "1" in page.text_content("#preview")
    page.click("text=确认导入")
    page.wait_for_selector("#households")
    assert "44990110120100001" in page.text_content("#households")
    assert Household.objects.count() == 1
