"""A township leader's team work in headless Chromium: a meeting with its minutes attached,
a month of presence on site, a 六有 check."""

import datetime

import pytest

from teams.models import Member, Presence, SixHavesCheck, WorkRecord, WorkRecordAttachment
from tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_leader_records_a_meeting_with_minutes_presence_and_a_six_haves_check(
    login_page, township_leader, east_team
):
    township_leader.set_password("pw-for-tests-2016")
    township_leader.save()
    colleague = MemberFactory(team=east_team, name="同事甲")
    stationed = [
        MemberFactory(
            team=east_team, name=name, source=Member.Source.STATIONED, unit=UnitFactory(name=unit)
        )
        for name, unit in [("驻镇甲", "县财政局"), ("驻镇乙", "县水务局")]
    ]
    page = login_page("leader")
    page.goto(east_team.get_absolute_url())
    assert "示例东1镇" in page.text_content("h1")

    # A meeting with two attendees.
    page.click("main >> text=工作记录")
    page.click("text=新建工作记录")
    page.fill("input[name=date]", "2017-03-15")
    page.select_option("select[name=kind]", "meeting")
    page.fill("input[name=title]", "一季度工作部署会")
    page.get_by_label("东镇书记").check()
    page.get_by_label("同事甲").check()
    page.fill("textarea[name=content]", "部署一季度帮扶工作")
    page.fill("textarea[name=decisions]", "按月走访")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    record = WorkRecord.objects.get()
    assert record.kind == "meeting"
    assert record.created_by == township_leader
    assert set(record.attendees.all()) == {township_leader.member, colleague}

    # The minutes, uploaded through the record's form.
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("text=上传附件")
    page.locator("main a", has_text="会议纪要.pdf").wait_for()
    attachment = WorkRecordAttachment.objects.get()
    assert attachment.record == record
    assert attachment.size == len(PDF)

    # The records list shows it, with its two attendees and one attachment.
    page.click("main >> text=工作记录")
    row = page.locator("tbody tr", has_text="一季度工作部署会")
    assert row.locator("td.num").all_text_contents() == ["2", "1"]

    # The attachment is the file, sent as a download.
    row.locator("a").click()
    link = page.locator("main a", has_text="会议纪要.pdf")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.body() == PDF
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "会议纪要.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF

    # A month of presence on site for the two stationed cadres.
    page.goto(east_team.get_absolute_url())
    page.click("text=驻镇（村）干部在岗情况")
    page.fill("input[name=month]", "2017-03")
    page.click("form.filters button[type=submit]")
    page.get_by_label("驻镇甲 · 县财政局").fill("22")
    page.get_by_label("驻镇乙 · 县水务局").fill("8")
    page.click("form.form button[type=submit]")
    page.locator(".message.success").wait_for()
    march = datetime.date(2017, 3, 1)
    assert {p.member: p.days_on_site for p in Presence.objects.filter(month=march)} == {
        stationed[0]: 22,
        stationed[1]: 8,
    }
    assert page.locator("tbody tr", has_text="驻镇乙").locator(".badge.bad").text_content() == "8"

    # A 六有 item checked from the team page.
    page.goto(east_team.get_absolute_url())
    page.get_by_role("link", name="检查六有").click()
    row = page.locator("tr", has_text="固定办公场所")
    row.locator("select").select_option(label="已达标")
    row.locator("textarea").fill("镇政府二楼办公室")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    check = SixHavesCheck.objects.get()
    assert check.item.name == "固定办公场所"
    assert check.met
    assert check.team == east_team
    status = page.locator("section.card").first.locator("tr", has_text="固定办公场所")
    assert status.locator(".badge").text_content() == "已达标"
