import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from teams.models import Member, WorkRecord, WorkRecordAttachment
from tests.factories import MemberFactory, UserFactory, WorkRecordFactory, picture
from tests.households.test_import_real_files import libreoffice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = picture()


def office_file(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_team_member_records_a_meeting_with_attendees(as_user, township_cadre, east_team):
    colleague = MemberFactory(team=east_team, name="同事甲")
    response = as_user(township_cadre).post(
        reverse("teams:record_create", args=[east_team.pk]),
        {
            "date": "2017-03-15",
            "kind": "meeting",
            "title": "工作部署会",
            "attendees": [township_cadre.member.pk, colleague.pk],
            "content": "部署一季度帮扶工作",
            "decisions": "按月走访",
        },
    )
    record = WorkRecord.objects.get()
    assert response.url == record.get_absolute_url()
    assert record.team == east_team
    assert record.created_by == township_cadre
    assert set(record.attendees.all()) == {township_cadre.member, colleague}


def test_attendees_are_limited_to_the_teams_current_members(as_user, township_cadre, west_team):
    stranger = MemberFactory(team=west_team)
    client = as_user(township_cadre)
    team = township_cadre.member.team
    gone = MemberFactory(team=team, left="2017-01-01")
    for member in (stranger, gone):
        response = client.post(
            reverse("teams:record_create", args=[team.pk]),
            {
                "date": "2017-03-15",
                "kind": "study",
                "title": "学习",
                "attendees": [member.pk],
                "content": "学习文件",
            },
        )
        assert response.status_code == 200
        assert "attendees" in response.context["form"].errors
    assert not WorkRecord.objects.exists()


def test_city_officer_reads_records_but_cannot_add_them(as_user, city_officer, east_team):
    record = WorkRecordFactory(team=east_team)
    client = as_user(city_officer)
    assert client.get(record.get_absolute_url()).status_code == 200
    assert client.get(reverse("teams:record_create", args=[east_team.pk])).status_code == 403


def test_township_user_who_is_not_a_member_cannot_add_records(as_user, east_team):
    user = UserFactory(area=east_team.township)
    url = reverse("teams:record_create", args=[east_team.pk])
    assert as_user(user).get(url).status_code == 403


def test_record_list_filters_by_kind(as_user, township_cadre, east_team):
    WorkRecordFactory(team=east_team, kind=WorkRecord.Kind.STUDY, title="学习会")
    WorkRecordFactory(team=east_team, kind=WorkRecord.Kind.REPORT, title="情况报告")
    url = reverse("teams:records", args=[east_team.pk])
    page = as_user(township_cadre).get(url, {"kind": "study"}).context["page"]
    assert [record.title for record in page] == ["学习会"]


def test_record_list_query_count_is_constant(
    as_user, township_cadre, east_team, django_assert_num_queries
):
    client = as_user(township_cadre)
    url = reverse("teams:records", args=[east_team.pk])
    client.get(url)
    members = list(Member.objects.filter(team=east_team))
    for _ in range(8):
        WorkRecordFactory(team=east_team).attendees.set(members)
    with django_assert_num_queries(7):
        client.get(url)


def attach(client, team, name, content):
    """Post ``content`` as ``name`` to a new work record of ``team``."""
    record = WorkRecordFactory(team=team)
    return client.post(
        reverse("teams:attachment_add", args=[record.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("会议纪要.pdf", PDF),
        ("现场照片.PNG", PNG),
        ("签到表.docx", office_file("word/document.xml")),
        ("台账.xlsx", office_file("xl/workbook.xml")),
    ],
)
def test_allowed_files_are_attached_outside_the_web_root(
    as_user, township_cadre, east_team, media_root, settings, name, content
):
    response = attach(as_user(township_cadre), east_team, name, content)
    assert response.status_code == 302
    attachment = WorkRecordAttachment.objects.get()
    assert attachment.name == name
    assert attachment.size == len(content)
    stored = stored_files(media_root)
    assert len(stored) == 1
    assert stored[0].read_bytes() == content
    assert not str(stored[0]).startswith(str(settings.STATIC_ROOT))
    assert name not in str(stored[0])  # stored under a random name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "只能附加 PDF、JPG、PNG"),
        ("page.html", b"<html></html>", "只能附加 PDF、JPG、PNG"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", "不是 PDF 文件"),
        ("伪装.png", PDF, "不是 PNG 文件"),
        ("伪装.docx", office_file("xl/workbook.xml"), "不是 DOCX 文件"),
        ("伪装.xlsx", b"PK\x03\x04broken", "不是 XLSX 文件"),
    ],
)
def test_bad_or_spoofed_files_are_refused_and_nothing_is_saved(
    as_user, township_cadre, east_team, media_root, name, content, message
):
    response = attach(as_user(township_cadre), east_team, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkRecordAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_oversized_files_are_refused(as_user, township_cadre, east_team, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    record = WorkRecordFactory(team=east_team)
    response = as_user(township_cadre).post(
        reverse("teams:attachment_add", args=[record.pk]),
        {"file": SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048)},
    )
    assert "文件最大为" in response.content.decode()
    assert not WorkRecordAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_attachment_is_downloaded_through_the_scoped_view(
    as_user, township_cadre, outsider, east_team, county_officer, other_county_officer
):
    record = WorkRecordFactory(team=east_team)
    as_user(township_cadre).post(
        reverse("teams:attachment_add", args=[record.pk]),
        {"file": SimpleUploadedFile("会议纪要.pdf", PDF)},
    )
    url = WorkRecordAttachment.objects.get().get_absolute_url()
    response = as_user(county_officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(other_county_officer).get(url).status_code == 404


@pytest.mark.parametrize("name", ["teams:records", "teams:record_create"])
def test_outsider_gets_404_for_another_teams_record_pages(as_user, outsider, east_team, name):
    assert as_user(outsider).get(reverse(name, args=[east_team.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("teams:record_detail", "get"),
        ("teams:record_edit", "get"),
        ("teams:attachment_add", "post"),
    ],
)
def test_outsider_gets_404_for_another_teams_record(as_user, outsider, east_team, name, method):
    record = WorkRecordFactory(team=east_team)
    client = as_user(outsider)
    response = getattr(client, method)(reverse(name, args=[record.pk]))
    assert response.status_code == 404


def test_editing_a_record_shows_its_own_date_as_the_browsers_date_input_reads_it(
    as_user, township_cadre
):
    record = WorkRecordFactory(team=township_cadre.member.team)
    response = as_user(township_cadre).get(reverse("teams:record_edit", args=[record.pk]))
    assert 'name="date" value="2017-03-15"' in response.content.decode()


@pytest.fixture
def attachment(east_team, media_root):
    record = WorkRecordFactory(team=east_team)
    return WorkRecordAttachment.objects.create(
        record=record, file=SimpleUploadedFile("会议纪要.pdf", PDF)
    )


def test_deleting_an_attachment_deletes_its_file_once_committed(
    attachment, media_root, django_capture_on_commit_callbacks
):
    stored = media_root / attachment.file.name
    assert stored.read_bytes() == PDF
    with django_capture_on_commit_callbacks(execute=True):
        attachment.delete()
        assert stored.exists()
    assert not stored.exists()
    # The history keeps the path of the file that is gone.
    assert WorkRecordAttachment.history.get(history_type="-").file == attachment.file.name


def test_deleting_work_records_deletes_their_attachments_files(
    attachment, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        WorkRecord.objects.filter(team=attachment.record.team).delete()
    assert stored_files(media_root) == []


def test_a_rolled_back_deletion_keeps_the_file(
    attachment, media_root, django_capture_on_commit_callbacks
):
    # The error rolls the deletion back, so the block holds both.
    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        attachment.delete()
        raise RuntimeError("undone")
    assert callbacks == []
    assert WorkRecordAttachment.objects.exists()
    assert (media_root / attachment.file.name).read_bytes() == PDF


def test_an_attached_picture_is_stored_without_its_metadata(
    as_user, township_cadre, east_team, media_root
):
    from PIL import Image

    exif = Image.Exif()
    exif[0xA431] = "SERIAL-123456"
    exif.get_ifd(0x8825).update({1: "N", 2: (23.0, 7.0, 30.0), 3: "E", 4: (113.0, 15.0, 0.0)})
    record = WorkRecordFactory(team=east_team)
    response = as_user(township_cadre).post(
        reverse("teams:attachment_add", args=[record.pk]),
        {"file": SimpleUploadedFile("现场.jpg", picture("JPEG", exif=exif.tobytes()))},
    )
    assert response.status_code == 302
    [stored] = stored_files(media_root)
    data = stored.read_bytes()
    assert b"SERIAL-123456" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert WorkRecordAttachment.objects.get().name == "现场.jpg"


@pytest.fixture(scope="module")
def old_office_files(tmp_path_factory):
    """A Word 97 document and an Excel 97 workbook written by LibreOffice. WPS Office's .wps
    and .et are the same compound files (WPS is not installable here): the same bytes serve."""
    directory = tmp_path_factory.mktemp("office")
    (directory / "签到表.txt").write_text("签到表\n张三\n李四\n", encoding="utf-8")
    (directory / "台账.csv").write_text("户主,人数\n陈户主,3\n", encoding="utf-8")
    [doc] = libreoffice(directory, "doc", directory / "签到表.txt")
    [xls] = libreoffice(directory, "xls", directory / "台账.csv")
    return {"doc": doc.read_bytes(), "xls": xls.read_bytes()}


@pytest.mark.parametrize(
    ("name", "kind"),
    [("签到表.doc", "doc"), ("签到表.wps", "doc"), ("台账.xls", "xls"), ("台账.et", "xls")],
)
def test_old_office_and_wps_files_are_attached(
    as_user, township_cadre, east_team, media_root, old_office_files, name, kind
):
    """.doc/.xls/.wps/.et attachments were refused: offices still send them."""
    content = old_office_files[kind]
    response = attach(as_user(township_cadre), east_team, name, content)
    assert response.status_code == 302
    assert WorkRecordAttachment.objects.get().name == name
    assert stored_files(media_root)[0].read_bytes() == content


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("伪装.xls", "doc", "不是 XLS 文件"),  # a Word document named as a workbook
        ("伪装.doc", "xls", "不是 DOC 文件"),
        ("伪装.et", "bare", "不是 ET 文件"),  # a compound-file header and nothing else
    ],
)
def test_old_office_files_are_checked_by_their_content(
    as_user, township_cadre, east_team, media_root, old_office_files, name, kind, message
):
    content = old_office_files.get(kind, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    response = attach(as_user(township_cadre), east_team, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkRecordAttachment.objects.exists()
    assert stored_files(media_root) == []
