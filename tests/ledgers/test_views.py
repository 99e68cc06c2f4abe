import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.models import Household
from ledgers.models import Income, Measure, MeasureCategory, PovertyStandard, Visit, VisitPhoto
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    IncomeFactory,
    MeasureFactory,
    MemberFactory,
    PersonFactory,
    VisitFactory,
    VisitPhotoFactory,
    picture,
)

FRAGMENT = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def ledger_url(household):
    return reverse("ledgers:ledger", args=[household.pk])


def item_urls(household):
    """Every URL of the app that names something of the household."""
    measure = MeasureFactory(household=household)
    photo = VisitPhotoFactory(visit=VisitFactory(household=household))
    return [
        ledger_url(household),
        reverse("ledgers:print", args=[household.pk]),
        reverse("ledgers:history", args=[household.pk]),
        reverse("ledgers:item_create", args=[household.pk, "visit"]),
        reverse("ledgers:item_edit", args=["measure", measure.pk]),
        reverse("ledgers:item_delete", args=["measure", measure.pk]),
        reverse("ledgers:visit_photo", args=[photo.pk]),
        reverse("ledgers:export") + "?area=449901101201",
    ]


def test_outsider_gets_404_on_every_ledger_url(as_user, outsider, household):
    client = as_user(outsider)
    for url in item_urls(household):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code in (404, 405), url
    assert Measure.objects.count() == 1


def test_city_officer_reads_but_cannot_change(as_user, city_officer, household):
    client = as_user(city_officer)
    assert client.get(ledger_url(household)).status_code == 200
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    assert client.post(url, {"date": "2017-05-01", "findings": "x"}).status_code == 403
    assert not Visit.objects.exists()


def test_unknown_record_kind_is_404(as_user, township_cadre, household):
    url = reverse("ledgers:item_create", args=[household.pk, "household"])
    assert as_user(township_cadre).get(url).status_code == 404


def test_my_households_lists_mine_not_visited_for_longest_first(
    as_user, township_cadre, household, east_team, django_assert_num_queries
):
    recent = HouseholdFactory(village=household.village, contact_cadre=township_cadre.member)
    PersonFactory(household=recent, name="王近访")
    VisitFactory(household=recent, date=TODAY)
    VisitFactory(household=household, date=TODAY - datetime.timedelta(days=45))
    MeasureFactory(household=household, status=Measure.Status.PLANNED)
    MeasureFactory(household=household, status=Measure.Status.DONE)
    IncomeFactory(household=household, year=2017, household_size=3)
    other = HouseholdFactory(village=household.village, contact_cadre=MemberFactory(team=east_team))
    HouseholdFactory(village=household.village, status=Household.Status.EXITED)
    client = as_user(township_cadre)
    client.get(reverse("ledgers:mine"))  # warm the session
    with django_assert_num_queries(9):  # and the count of the households due a visit
        response = client.get(reverse("ledgers:mine"))
    rows = list(response.context["page"])
    assert [h.pk for h in rows] == [household.pk, recent.pk]
    first = rows[0]
    assert first.overdue
    assert not rows[1].overdue
    assert first.open_measures == 1
    assert first.standing[0] == "warn"  # 6533.33 between the 2017 lines
    body = response.content.decode()
    assert "陈户主" in body
    assert "王近访" in body
    assert other.number not in body


def test_my_households_finds_by_member_name_or_number_and_counts_the_visits_due(
    as_user, township_cadre, household
):
    visited = HouseholdFactory(village=household.village, contact_cadre=township_cadre.member)
    PersonFactory(household=visited, name="王近访")
    VisitFactory(household=visited, date=TODAY)
    client = as_user(township_cadre)
    response = client.get(reverse("ledgers:mine"))
    assert response.context["due_count"] == 1  # never visited
    assert "待走访（30天未走访）" in response.content.decode()
    due = client.get(reverse("ledgers:mine"), {"due": "1"})
    assert [h.pk for h in due.context["page"]] == [household.pk]
    for search, found in [("李配偶", household), ("王近", visited), (visited.number[-6:], visited)]:
        response = client.get(reverse("ledgers:mine"), {"q": search})
        assert [h.pk for h in response.context["page"]] == [found.pk], search
    assert list(client.get(reverse("ledgers:mine"), {"q": "无此人"}).context["page"]) == []


def test_the_ledger_shows_the_latest_records_of_a_long_section_and_all_on_asking(
    as_user, township_cadre, household
):
    for day in range(5):
        VisitFactory(household=household, date=TODAY - datetime.timedelta(days=day))
    client = as_user(township_cadre)
    url = reverse("ledgers:ledger", args=[household.pk])
    page = client.get(url).content.decode()
    visits = page[page.index('id="visits"') : page.index('id="incomes"')]
    assert visits.count("<tr hidden>") == 2
    assert "查看全部（5）" in visits
    assert 'href="?show=visits#visits"' in visits
    page = client.get(url, {"show": "visits"}).content.decode()
    assert "<tr hidden>" not in page[page.index('id="visits"') : page.index('id="incomes"')]
    book = client.get(reverse("ledgers:print", args=[household.pk])).content.decode()
    assert "<tr hidden>" not in book  # the printed book holds everything
    assert "查看全部" not in book


def test_an_income_of_a_year_without_poverty_lines_says_so(as_user, township_cadre, household):
    """The demo's cadre had just recorded this year's income and read 未登记收入."""
    year = PovertyStandard.objects.order_by("-year").first().year + 1
    IncomeFactory(household=household, year=year, household_size=3)
    body = as_user(township_cadre).get(reverse("ledgers:mine")).content.decode()
    assert "该年度标准尚未录入" in body
    assert f"({year})" in body
    assert "未登记收入" not in body


def test_county_officer_sees_every_active_household_of_the_county(
    as_user, county_officer, household, west_team
):
    west = HouseholdFactory(village=AreaFactory(code="449901102201"))
    HouseholdFactory(village=AreaFactory(code="449902101201"))
    response = as_user(county_officer).get(reverse("ledgers:mine"))
    assert response.context["show_all"]
    assert {h.pk for h in response.context["page"]} == {household.pk, west.pk}


def test_my_households_query_count_does_not_grow_with_rows(
    as_user, township_cadre, household, django_assert_num_queries
):
    for _ in range(5):
        extra = HouseholdFactory(village=household.village, contact_cadre=township_cadre.member)
        PersonFactory(household=extra)
        VisitFactory(household=extra)
        IncomeFactory(household=extra)
    client = as_user(township_cadre)
    client.get(reverse("ledgers:mine"))
    with django_assert_num_queries(9):
        client.get(reverse("ledgers:mine"))


def test_ledger_page_shows_family_and_every_section(
    as_user, township_cadre, household, django_assert_num_queries
):
    for _ in range(3):
        MeasureFactory(household=household)
        VisitFactory(household=household)
    IncomeFactory(household=household, year=2017)
    client = as_user(township_cadre)
    client.get(ledger_url(household))
    with django_assert_num_queries(18):  # 16, the visits' photos, and the access log row
        response = client.get(ledger_url(household))
    body = response.content.decode()
    for text in ["陈户主", "李配偶", "因病", "发放鸡苗200只", "家中老人慢性病", "4,900.00"]:
        assert text in body
    assert response.context["can_edit"]
    assert response.context["plan_against_actual"][0]["planned"] == 3


def test_cadre_records_a_visit_through_the_full_page(as_user, township_cadre, household):
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    client = as_user(township_cadre)
    form = client.get(url).context["form"]
    assert form.initial["cadre"] == township_cadre.member.pk
    response = client.post(
        url,
        {"date": "2017-05-02", "cadre": township_cadre.member.pk, "findings": "生猪出栏"},
    )
    assert response.status_code == 302
    assert response.url == ledger_url(household) + "#visits"
    visit = Visit.objects.get()
    assert (visit.household, visit.findings, visit.version) == (household, "生猪出栏", 1)
    assert visit.history.get().history_user == township_cadre


def test_adding_a_measure_in_place_returns_the_refreshed_section(
    as_user, township_cadre, household
):
    url = reverse("ledgers:item_create", args=[household.pk, "measure"])
    client = as_user(township_cadre)
    form = client.get(url, **FRAGMENT)
    assert b"<html" not in form.content
    assert b"<form" in form.content
    category = MeasureCategory.objects.get(name="教育资助")
    response = client.post(
        url,
        {
            "category": category.pk,
            "date": "2017-09-01",
            "description": "落实教育生活费补助",
            "amount": "2500.00",
            "status": "done",
        },
        **FRAGMENT,
    )
    assert response.status_code == 200
    assert response["X-Ledger-Section"] == "measure"
    assert "落实教育生活费补助" in response.content.decode()
    assert b"<html" not in response.content


def test_bad_input_shows_a_chinese_message_and_changes_nothing(as_user, township_cadre, household):
    url = reverse("ledgers:item_create", args=[household.pk, "income"])
    response = as_user(township_cadre).post(
        url, {"year": "2017", "household_size": "0", "wages": "-5"}, **FRAGMENT
    )
    assert response.status_code == 200
    assert "X-Ledger-Section" not in response
    assert "确保该值大于或等于" in response.content.decode()
    assert not Income.objects.exists()


def test_duplicate_year_of_income_is_refused_with_a_message(as_user, township_cadre, household):
    IncomeFactory(household=household, year=2017)
    url = reverse("ledgers:item_create", args=[household.pk, "income"])
    response = as_user(township_cadre).post(url, {"year": "2017", "household_size": "3"})
    assert response.status_code == 200
    assert "该年度收入已经登记" in response.content.decode()
    assert Income.objects.count() == 1


def test_second_save_over_a_stale_copy_is_refused_with_the_other_values(
    as_user, township_cadre, township_leader, household
):
    measure = MeasureFactory(household=household, description="原来的描述")
    url = reverse("ledgers:item_edit", args=["measure", measure.pk])
    data = {
        "category": measure.category_id,
        "date": "2017-03-01",
        "amount": "2000",
        "status": "planned",
        "version": "1",
    }
    first = as_user(township_leader).post(url, {**data, "description": "组长改的"})
    assert first.status_code == 302
    second = as_user(township_cadre).post(url, {**data, "description": "干部改的"})
    assert second.status_code == 409
    body = second.content.decode()
    assert "您的修改未保存" in body
    assert "组长改的" in body
    assert "干部改的" in body
    assert second.context["form"]["version"].value() == 2
    measure.refresh_from_db()
    assert (measure.description, measure.version) == ("组长改的", 2)


def test_deleting_in_place_is_recorded_in_history(as_user, township_cadre, household):
    visit = VisitFactory(household=household)
    url = reverse("ledgers:item_delete", args=["visit", visit.pk])
    client = as_user(township_cadre)
    response = client.post(url, {"version": "1"}, **FRAGMENT)
    assert response["X-Ledger-Section"] == "visit"
    assert not Visit.objects.exists()
    history = client.get(reverse("ledgers:history", args=[household.pk]))
    assert [c.history_type for c in history.context["changes"]] == ["-", "+"]


PNG = picture()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_photo(client, household, content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    return client.post(
        url,
        {"date": "2017-05-02", "findings": "拍照留证", "photos": SimpleUploadedFile(name, content)},
    )


def test_photo_is_stored_outside_the_web_root_and_served_in_scope_only(
    as_user, township_cadre, outsider, household, media
):
    response = post_photo(as_user(township_cadre), household, PNG, "../../evil.jpg")
    assert response.status_code == 302
    photo = Visit.objects.get().photos.get()
    assert photo.photo.name.startswith(f"visits/{household.pk}/")
    assert photo.photo.name.endswith(".png")
    stored = (media / photo.photo.name).read_bytes()
    assert stored.startswith(b"\x89PNG")
    url = reverse("ledgers:visit_photo", args=[photo.pk])
    served = as_user(township_cadre).get(url)
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored
    assert as_user(outsider).get(url).status_code == 404


def test_deleting_a_visit_in_place_deletes_its_photo_once_committed(
    as_user, township_cadre, household, media, django_capture_on_commit_callbacks
):
    client = as_user(township_cadre)
    post_photo(client, household, PNG, "a.png")
    visit = Visit.objects.get()
    stored = media / visit.photos.get().photo.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ledgers:item_delete", args=["visit", visit.pk]), {"version": "1"}, **FRAGMENT
        )
    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert not stored.exists()


def test_a_rolled_back_visit_deletion_keeps_its_photo(
    as_user, township_cadre, household, media, django_capture_on_commit_callbacks
):
    post_photo(as_user(township_cadre), household, PNG, "a.png")
    visit = Visit.objects.get()
    stored = media / visit.photos.get().photo.name
    # The error rolls the deletion back, so the block holds both.
    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        visit.delete()
        raise RuntimeError("undone")
    assert callbacks == []
    assert Visit.objects.exists()
    assert stored.exists()


def test_photo_that_is_not_a_picture_is_refused(as_user, township_cadre, household, media):
    response = post_photo(as_user(township_cadre), household, b"<html>not a photo", "a.jpg")
    assert response.status_code == 200
    assert "只接受 JPEG、PNG 或 WebP 图片" in response.content.decode()
    assert not Visit.objects.exists()


def test_photo_over_the_size_limit_is_refused(as_user, township_cadre, household, media, settings):
    settings.LEDGER_PHOTO_MAX_BYTES = 32
    response = post_photo(as_user(township_cadre), household, PNG, "a.png")
    assert response.status_code == 200
    assert "最多接受" in response.content.decode()
    assert not Visit.objects.exists()


def test_printable_book_shows_the_ledger_without_edit_links(as_user, township_cadre, household):
    MeasureFactory(household=household)
    response = as_user(township_cadre).get(reverse("ledgers:print", args=[household.pk]))
    body = response.content.decode()
    assert "帮扶记录簿" in body
    assert "发放鸡苗200只" in body
    assert "陈户主" in body
    assert "/edit/" not in body


def test_export_of_a_village_has_a_sheet_per_record_kind(as_user, township_cadre, household):
    MeasureFactory(household=household)
    IncomeFactory(household=household)
    response = as_user(township_cadre).get(reverse("ledgers:export") + "?area=449901101201")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    households = list(book.worksheets[0].values)
    assert households[1][:2] == (household.number, "陈户主")
    incomes = list(book.worksheets[4].values)
    assert incomes[1][:2] == (household.number, "陈户主")
    assert incomes[1][-1] == 4900
    assert book.worksheets[4].cell(2, len(incomes[0])).number_format == "#,##0.00"


def test_export_is_for_a_village_or_township_in_scope(as_user, township_cadre, county_officer):
    AreaFactory(code="449901102201")
    client = as_user(township_cadre)
    assert client.get(reverse("ledgers:export") + "?area=449901102201").status_code == 404
    assert client.get(reverse("ledgers:export")).status_code == 404
    response = as_user(county_officer).get(reverse("ledgers:export") + "?area=449901")
    assert response.status_code == 404


def test_a_phone_photo_is_stored_without_metadata_its_time_and_place_kept_as_evidence(
    as_user, township_cadre, household, media
):
    """Phone photos carry the GPS position, the phone's make and serial (EXIF): they were
    stored and served as uploaded."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "示例手机"  # make
    exif[0xA431] = "SERIAL-123456"  # body serial number
    exif.get_ifd(0x8769)[0x9003] = "2017:05:02 10:12:30"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (23.0, 7.0, 30.0), 3: "E", 4: (113.0, 15.0, 0.0)})
    upload = picture("JPEG", exif=exif.tobytes())
    assert b"SERIAL-123456" in upload
    response = post_photo(as_user(township_cadre), household, upload, "IMG_0001.jpg")
    assert response.status_code == 302
    visit = Visit.objects.get()
    photo = visit.photos.get()
    stored = (media / photo.photo.name).read_bytes()
    assert b"SERIAL-123456" not in stored
    assert b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert photo.photo.name.endswith(".jpg")
    assert str(timezone.localtime(photo.taken_at)).startswith("2017-05-02 10:12:30")
    assert (photo.latitude, photo.longitude) == (Decimal("23.125"), Decimal("113.25"))
    ledger = as_user(township_cadre).get(ledger_url(household)).content.decode()
    assert "拍摄于 2017-05-02 10:12" in ledger
    assert "23.125" in ledger
    assert "113.25" in ledger


def test_a_picture_that_cannot_be_read_is_refused(as_user, township_cadre, household, media):
    response = post_photo(
        as_user(township_cadre), household, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "a.png"
    )
    assert response.status_code == 200
    assert "无法读取" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_visit_keeps_several_photos_and_loses_the_ones_ticked(
    as_user, township_cadre, household, media, django_capture_on_commit_callbacks
):
    """A visit once held one photo: the cadre had to choose which to keep."""
    client = as_user(township_cadre)
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    uploads = [SimpleUploadedFile(f"{n}.png", PNG) for n in range(3)]
    response = client.post(url, {"date": "2017-05-02", "findings": "三张照片", "photos": uploads})
    assert response.status_code == 302
    visit = Visit.objects.get()
    first, second, third = visit.photos.all()
    assert all(photo.history.count() == 1 for photo in (first, second, third))
    edit = reverse("ledgers:item_edit", args=["visit", visit.pk])
    form = client.get(edit).content.decode()
    assert 'name="remove_photos"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            edit,
            {"date": "2017-05-02", "findings": "三张照片", "version": visit.version,
             "remove_photos": [second.pk], "photos": [SimpleUploadedFile("4.png", PNG)]},
        )  # fmt: skip
    assert response.status_code == 302
    kept = list(visit.photos.values_list("pk", flat=True))
    assert len(kept) == 3
    assert {first.pk, third.pk} <= set(kept)
    assert second.pk not in kept
    assert not (media / second.photo.name).exists()
    assert (media / first.photo.name).exists()


def test_more_photos_than_a_visit_keeps_are_refused_with_nothing_written(
    as_user, township_cadre, household, media, settings
):
    settings.VISIT_MAX_PHOTOS = 2
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    uploads = [SimpleUploadedFile(f"{n}.png", PNG) for n in range(3)]
    response = as_user(township_cadre).post(
        url, {"date": "2017-05-02", "findings": "太多照片", "photos": uploads}
    )
    assert response.status_code == 200
    assert "每次走访最多保存 2 张照片" in response.content.decode()
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert not list(media.rglob("*.png"))


def test_one_bad_picture_among_several_refuses_them_all(as_user, township_cadre, household, media):
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    uploads = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpg", b"<html>")]
    response = as_user(township_cadre).post(
        url, {"date": "2017-05-02", "findings": "一张坏照片", "photos": uploads}
    )
    assert "只接受 JPEG、PNG 或 WebP 图片" in response.content.decode()
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "日期不能晚于今天"),
        (datetime.date(2030, 1, 1), "日期不能晚于今天"),
        (datetime.date(1999, 5, 2), "该户建档日期为 2016-03-01"),
    ],
)
def test_a_visit_is_not_dated_in_the_future_or_before_registration(
    as_user, township_cadre, household, day, message
):
    """A visit dated 2030 hid the household from the overdue lists for years."""
    household.registered_on = datetime.date(2016, 3, 1)
    household.save()
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    response = as_user(township_cadre).post(url, {"date": day.isoformat(), "findings": "走访"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Visit.objects.exists()


def test_the_same_visit_twice_is_caught_and_a_second_visit_that_day_confirmed(
    as_user, township_cadre, household
):
    """The same visit entered twice passed without a word."""
    VisitFactory(household=household, date=datetime.date(2017, 5, 2))
    client = as_user(township_cadre)
    url = reverse("ledgers:item_create", args=[household.pk, "visit"])
    data = {"date": "2017-05-02", "findings": "第二次"}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "该户 2017-05-02 已有走访记录" in page
    assert 'type="checkbox" name="same_day"' in page
    assert Visit.objects.count() == 1
    assert client.post(url, {**data, "same_day": "on"}).status_code == 302
    assert Visit.objects.count() == 2
    other_day = client.post(url, {"date": "2017-05-03", "findings": "另一天"})
    assert other_day.status_code == 302


def test_the_household_card_shows_the_measures_the_income_and_the_cadres_phone(
    as_user, township_cadre, household
):
    """户有卡 as the household keeps it on the wall: what is done for it, what it earns and whom
    to call — and its old address (under /households/) still leads to it."""
    township_cadre.member.phone = "0751-8881234"
    township_cadre.member.save()
    MeasureFactory(household=household)
    IncomeFactory(household=household, year=2017)
    client = as_user(township_cadre)
    response = client.get(reverse("ledgers:card", args=[household.pk]))
    body = response.content.decode()
    for text in ["陈户主", "发放鸡苗200只", "4,900.00", "0751-8881234", "<svg"]:
        assert text in body
    assert "data-inline" not in body  # a printout, not the ledger's forms
    old = client.get(f"/households/{household.pk}/card/")
    assert old.status_code == 302
    assert old["Location"] == reverse("ledgers:card", args=[household.pk])
