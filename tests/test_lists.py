"""Every list of households reaches each household's file and its 帮扶记录簿 in one click;
every list downloads as a workbook an office can file (issue 21)."""

import datetime
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import TeamAssessment
from households.models import Household
from ledgers.funds import record_payment
from teams.models import Team
from teams.tables import MONEY, PERCENT, XLSX, shown
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    IncomeFactory,
    InspectionFactory,
    PersonFactory,
    ProjectBudgetFactory,
    ProjectFactory,
    RectificationFactory,
    VisitFactory,
)
from tests.workbooks import workbook_text


@pytest.fixture
def households(township_cadre, west_team):
    """Two households of the cadre's village, and one of the west township."""
    village = AreaFactory(code="449901101201", name="石塘1村")
    made = []
    for name in ["陈大明", "王小明"]:
        household = HouseholdFactory(village=village, contact_cadre=township_cadre.member)
        PersonFactory(household=household, name=name)
        IncomeFactory(household=household)
        made.append(household)
    west = HouseholdFactory(village=AreaFactory(code="449901102201", name="西村"))
    PersonFactory(household=west, name="西户主")
    return made, west


def both_links(body, household):
    return (
        f'href="/households/{household.pk}/"' in body
        and f'href="/ledgers/household/{household.pk}/"' in body
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("households:list"),
        reverse("households:list") + "?q=明",
        reverse("assessments:figure", args=["in_poverty"]),
        reverse("ledgers:mine") + "?all=1",
        reverse("households:coverage", args=["449901101"]),
    ],
)
def test_every_household_list_links_the_file_and_the_ledger(
    as_user, township_leader, households, url
):
    mine, west = households
    body = as_user(township_leader).get(url).content.decode()
    assert all(both_links(body, household) for household in mine), url
    assert str(west.number) not in body


def test_the_household_page_opens_its_ledger(as_user, township_cadre, households):
    household = households[0][0]
    body = as_user(township_cadre).get(household.get_absolute_url()).content.decode()
    assert f'href="/ledgers/household/{household.pk}/"' in body


def sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return book, list(book.worksheets[0].values)


def test_the_household_list_downloads_as_filtered_with_the_heads(
    as_user, county_officer, households
):
    mine, _west = households
    response = as_user(county_officer).get(
        reverse("households:list_xlsx") + "?village=449901101201"
    )
    book, rows = sheet_rows(response)
    sheet = book.worksheets[0]
    assert rows[1][:2] == ("户编号", "户主")
    assert sorted(row[:2] for row in rows[2:]) == sorted(
        (household.number, household.head.name) for household in mine
    )
    assert sheet.freeze_panes == "C3"
    assert sheet.auto_filter.ref == "A2:H4"


def test_a_figure_list_downloads_the_same_households_as_the_page(
    as_user, county_officer, households
):
    mine, west = households
    url = reverse("assessments:figure", args=["in_poverty"])
    page = as_user(county_officer).get(url)
    response = as_user(county_officer).get(reverse("assessments:figure_xlsx", args=["in_poverty"]))
    _book, rows = sheet_rows(response)
    numbers = {row[0] for row in rows[2:]}
    assert numbers == {household.number for household in [*mine, west]}
    assert page.context["page"].paginator.count == len(numbers)
    income = rows[2][rows[1].index("人均收入")]
    assert isinstance(income, Decimal | float | int)


def test_my_households_download_only_mine(as_user, township_cadre, households):
    mine, _west = households
    VisitFactory(household=mine[0], date=timezone.localdate())
    response = as_user(township_cadre).get(reverse("ledgers:mine_xlsx") + "?due=1")
    _book, rows = sheet_rows(response)
    assert [row[:2] for row in rows[1:]] == [(mine[1].number, "王小明")]


def test_formats_shown_on_pages():
    assert shown(Decimal("0.93"), PERCENT) == "93.0%"
    assert shown(0.625, PERCENT) == "62.5%"
    assert shown(Decimal("60000"), MONEY) == "60,000.00"
    assert shown(300000, MONEY) == "300,000.00"
    assert shown(None, MONEY) == "—"


def test_the_assessment_shows_rates_and_money_as_officials_read_them(
    as_user, county_officer, east_team
):
    TeamAssessment.objects.create(
        team=east_team,
        year=2026,
        metrics={"coverage": 0.93, "plan_completion": 0.625, "paid": 60000.0, "budgeted": 300000},
    )
    body = as_user(county_officer).get(reverse("assessments:assessments") + "?year=2026")
    text = body.content.decode()
    for figure in ["93.0%", "62.5%", "60,000.00", "300,000.00"]:
        assert figure in text
    assert "0.625" not in text
    assert "60000.0" not in text
    book = openpyxl.load_workbook(
        io.BytesIO(
            as_user(county_officer)
            .get(reverse("assessments:assessment_xlsx") + "?year=2026")
            .content
        )
    )
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    coverage = sheet.cell(2, header.index("联系覆盖率") + 1)
    paid = sheet.cell(2, header.index("项目资金已拨付（元）") + 1)
    assert (coverage.value, coverage.number_format) == (0.93, "0.0%")
    assert (paid.value, paid.number_format) == (60000.0, "#,##0.00")


WORKBOOKS = [
    lambda: reverse("households:list_xlsx"),
    lambda: reverse("assessments:figure_xlsx", args=["in_poverty"]),
    lambda: reverse("ledgers:mine_xlsx"),
    lambda: reverse("ledgers:export") + "?area=449901101",
    lambda: reverse("households:village_register_xlsx", args=["449901101201"]),
    lambda: reverse("assessments:dashboard_xlsx"),
    lambda: reverse("assessments:assessment_xlsx"),
    lambda: reverse("ledgers:township_xlsx", args=["449901101"]),
    lambda: reverse("assessments:rectifications") + "?format=xlsx",
    lambda: reverse("assessments:inspections") + "?format=xlsx",
    lambda: reverse("assessments:exit_reviews") + "?format=xlsx",
    lambda: reverse("households:coverage", args=["449901101"]) + "?format=xlsx",
    lambda: reverse("ledgers:projects") + "?format=xlsx",
    lambda: reverse("assessments:findings") + "?format=xlsx",
    lambda: reverse("teams:list") + "?format=xlsx",
    lambda: reverse("teams:six_haves_shortfalls") + "?format=xlsx",
    lambda: reverse("teams:absences") + "?format=xlsx",
]

LIST_PAGES = [
    lambda: reverse("households:list"),
    lambda: reverse("assessments:figure", args=["in_poverty"]),
    lambda: reverse("assessments:rectifications") + "?overdue=1",
    lambda: reverse("assessments:inspections"),
    lambda: reverse("assessments:exit_reviews"),
    lambda: reverse("households:coverage", args=["449901101"]),
    lambda: reverse("ledgers:projects"),
    lambda: reverse("assessments:findings"),
    lambda: reverse("teams:list"),
    lambda: reverse("teams:six_haves_shortfalls"),
    lambda: reverse("teams:absences"),
    lambda: reverse("teams:records", args=[Team.objects.get(township="449901101").pk]),
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_every_list_page_offers_its_workbook(as_user, county_officer, households, url):
    """The 下载 .xlsx link of each list page gives a workbook of that list, with the page's
    filters (and not its page number)."""
    client = as_user(county_officer)
    body = client.get(url()).content.decode()
    links = re.findall(r'<a class="button[^"]*" href="([^"]+)">下载 .xlsx</a>', body)
    assert len(links) == 1, url()
    link = html.unescape(links[0])
    if "overdue=1" in url():
        assert "overdue=1" in link
    response = client.get(link if link.startswith("/") else url().split("?")[0] + link)
    assert response["Content-Type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(response.content)).worksheets


def test_the_rectification_workbook_lists_what_the_page_lists(as_user, county_officer, east_team):
    """Filtered to the items past their deadline: the open one past its deadline only."""
    inspection = InspectionFactory(team=east_team)
    today = timezone.localdate()
    for item, deadline, closed in [
        ("公示牌缺联系电话", today - datetime.timedelta(days=3), None),
        ("攻坚图未更新", today + datetime.timedelta(days=3), None),
        ("档案缺签名", today - datetime.timedelta(days=9), today),
    ]:
        RectificationFactory(
            inspection=inspection,
            item=item,
            deadline=deadline,
            closed_on=closed,
            evidence="已补签" if closed else "",
        )
    response = as_user(county_officer).get(
        reverse("assessments:rectifications"), {"overdue": "1", "format": "xlsx"}
    )
    text = workbook_text(response.content)
    assert "公示牌缺联系电话" in text
    assert "已逾期" in text
    assert "攻坚图未更新" not in text
    assert "档案缺签名" not in text


@pytest.mark.parametrize("url", WORKBOOKS)
def test_every_workbook_has_widths_formats_a_frozen_header_and_a_filter(
    as_user, county_officer, township_leader, households, url
):
    project = ProjectFactory(township=AreaFactory(code="449901101"))
    ProjectBudgetFactory(project=project, source="fiscal", amount=300000)
    record_payment(
        project=project,
        amount=Decimal("60000"),
        source="fiscal",
        date=datetime.date(2026, 3, 1),
        payee="合作社",
        voucher="记-001",
        purpose="种苗",
        household=households[0][0],
        user=None,
    )
    TeamAssessment.objects.create(
        team=township_leader.member.team, year=timezone.localdate().year, metrics={"coverage": 0.5}
    )
    response = as_user(county_officer).get(url())
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        assert sheet.freeze_panes, sheet.title
        assert sheet.auto_filter.ref, sheet.title
        header_row = int(sheet.auto_filter.ref.split(":")[0][1:])
        for cell in sheet[header_row]:
            if cell.value:
                assert sheet.column_dimensions[cell.column_letter].width >= 6, (sheet.title, cell)
        for row in sheet.iter_rows(min_row=header_row + 1):
            for cell in row:
                if isinstance(cell.value, Decimal | float):
                    assert cell.number_format in {"#,##0.00", "0.0%", "0.0"}, (sheet.title, cell)
    assert Household.objects.count() == 3
