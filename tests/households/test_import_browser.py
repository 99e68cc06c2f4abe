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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 360])
def test_officer_previews_an_update_household_by_household_then_confirms_it(
    login_page, county_officer, tmp_path, settings, width
):
    """On a registry that holds the family: the LibreOffice (.ods) roster makes the son the
    head and adds a grandchild; the preview says so before anything is written."""
    from tests.households.rosters import CHILD_ID, HEAD_ID, id_number, person
    from tests.households.test_import_real_files import libreoffice

    settings.MEDIA_ROOT = tmp_path / "media"
    from households.roster import roster_import

    county = create_county()
    roster_import(path=write_roster(tmp_path / "first.xlsx", family()), county=county)
    rows = family()
    rows[0] = person(name="张大山", id_number=HEAD_ID, relation="父亲")
    rows[2] = person(name="张小山", id_number=CHILD_ID)
    rows.append(person(name="张小宝", id_number=id_number("20160101", "081"), relation="孙子"))
    [ods] = libreoffice(tmp_path, "ods", write_roster(tmp_path / "更新.xlsx", rows))
    county_officer.set_password("pw-for-tests-2016")
    county_officer.save()

    page = login_page("county")
    page.set_viewport_size({"width": width, "height": 800})
    if width < 640:
        page.click("text=菜单")  # on a phone the navigation folds behind the menu
    page.click("text=花名册导入")
    page.click("text=导入花名册")
    page.set_input_files("input[name=file]", str(ods))
    page.click("text=上传并校验")
    plan = page.text_content("#plan")
    assert "户主：张大山 → 张小山" in plan
    assert "张小宝" in plan
    assert "新登记" in plan
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"preview-{width}.png"), full_page=True)
    assert Household.objects.get().head.name == "张大山"  # nothing written yet
    page.click("text=确认导入")
    page.wait_for_selector("#households")
    assert Household.objects.get().head.name == "张小山"
