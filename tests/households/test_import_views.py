"""The roster import pages: upload, report, preview, confirm, progress; only county offices."""

import io
import os
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from households import tasks
from households.models import Disclosure, Household, Person
from households.models.imports import ImportJob
from tests.households.rosters import create_county, family, roster_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(county_officer):
    create_county()
    return county_officer


def upload(client, rows, name="roster.xlsx"):
    data = {"county": "449901", "file": SimpleUploadedFile(name, roster_bytes(rows))}
    return client.post(reverse("roster_import:upload"), data)


def test_upload_with_errors_shows_them_and_offers_the_file_back(as_user, officer):
    rows = family()
    rows[1]["证件号码"] = "123"
    client = as_user(officer)
    response = upload(client, rows)
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.status == ImportJob.Status.INVALID
    assert job.file.path.startswith(str(job.file.storage.location))
    page = client.get(job.get_absolute_url()).content.decode()
    assert "<td>4</td>" in page
    assert "证件号码" in page
    assert "123" in page
    workbook = client.get(reverse("roster_import:errors", args=[job.pk]))
    # The upload as it was, full ID numbers included: logged as a full export.
    logged = Disclosure.objects.get()
    assert (logged.action, logged.actor) == ("export", "county")
    assert logged.record == f"importjob {job.pk}"
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert sheet.title == "Sheet"  # the upload's sheet name, kept
    rows_back = list(sheet.iter_rows(values_only=True))
    assert rows_back[1][0] == "错误"
    assert rows_back[1][1] == "户编号"
    assert "证件号码" in rows_back[3][0]
    assert rows_back[2][0] in (None, "")
    assert rows_back[3][5] == "123"  # the row as uploaded, beside its problems
    assert Person.objects.count() == 0


def test_upload_preview_then_confirm_imports_inline(as_user, officer, monkeypatch):
    client = as_user(officer)
    upload(client, family())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "确认导入" in page
    assert Household.objects.count() == 0
    enqueued = []
    run = tasks.import_job_run
    monkeypatch.setattr(
        tasks, "import_job_run", SimpleNamespace(enqueue=enqueued.append, call=run.call)
    )
    client.post(reverse("roster_import:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert not enqueued
    assert (job.rows_done, Household.objects.count(), Person.objects.count()) == (3, 1, 3)
    assert job.summary["households"]["new"] == 1
    page = client.get(job.get_absolute_url()).content.decode()
    assert "44990110120100001" in page


def test_big_rosters_import_in_the_background(as_user, officer, settings):
    settings.ROSTER_BACKGROUND_ROWS = 2
    client = as_user(officer)
    upload(client, family())
    job = ImportJob.objects.get()
    # The immediate backend of the test settings runs the enqueued task at once.
    client.post(reverse("roster_import:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.started_at
    assert job.finished_at
    assert job.rows_done == 3
    assert Person.objects.count() == 3
    status = client.get(reverse("roster_import:status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "status_display": "已导入",
        "rows_done": 3,
        "row_count": 3,
        "percent": 100,
        "busy": False,
    }


def test_only_one_import_per_county_runs_at_a_time(as_user, officer):
    client = as_user(officer)
    upload(client, family())
    job = ImportJob.objects.get()
    ImportJob.objects.create(
        county_id="449901", file="imports/x.xlsx", file_name="x.xlsx", status="running"
    )
    response = client.post(reverse("roster_import:confirm", args=[job.pk]), follow=True)
    assert "正在导入" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert Person.objects.count() == 0


def test_a_running_job_shows_a_progress_bar_that_works_without_js(as_user, officer):
    job = ImportJob.objects.create(
        county_id="449901",
        file="imports/x.xlsx",
        file_name="x.xlsx",
        status="running",
        row_count=10,
        rows_done=4,
    )
    page = as_user(officer).get(job.get_absolute_url()).content.decode()
    assert '<progress max="10" value="4">' in page
    assert 'http-equiv="refresh"' in page
    assert "js/import-progress.js" in page


def test_a_hostile_upload_is_refused_with_its_reason(as_user, officer):
    client = as_user(officer)
    data = {"county": "449901", "file": SimpleUploadedFile("roster.xlsx", b"not a zip\0")}
    client.post(reverse("roster_import:upload"), data)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert "不是花名册" in job.problems[0]["message"]


def test_upload_refuses_files_that_are_no_roster_or_too_big(as_user, officer, settings):
    client = as_user(officer)
    response = upload(client, family(), name="roster.pdf")
    assert "（.xlsx、.xls、.ods）或 CSV 文件" in response.content.decode()
    settings.ROSTER_MAX_BYTES = 100
    response = upload(client, family())
    assert "大于" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_job_list_query_count_is_constant(as_user, officer, django_assert_num_queries):
    for n in range(5):
        ImportJob.objects.create(
            county_id="449901",
            file=f"imports/{n}.xlsx",
            file_name=f"{n}.xlsx",
            status="done",
            created_by=officer,
        )
    client = as_user(officer)
    with django_assert_num_queries(6):  # session, user, OTP device, count, jobs, messages
        response = client.get(reverse("roster_import:list"))
    assert response.content.decode().count("xlsx</a>") == 5


def test_outsiders_get_404_everywhere(
    as_user, township_cadre, outsider, other_county_officer, officer
):
    job = ImportJob.objects.create(
        county_id="449901", file="imports/x.xlsx", file_name="x.xlsx", status="checked"
    )
    urls = [reverse(f"roster_import:{name}", args=[job.pk]) for name in ("job", "status", "errors")]
    for user in (outsider, township_cadre):
        client = as_user(user)
        for url in [reverse("roster_import:list"), reverse("roster_import:upload"), *urls]:
            assert client.get(url).status_code == 404
    client = as_user(other_county_officer)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("roster_import:confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_a_registry_changed_after_the_check_is_previewed_again_not_written(
    as_user, officer, tmp_path
):
    """The officer confirms what the preview showed; when someone changed the registry
    meanwhile, the write refuses the other plan and the page shows the new one."""
    from households.roster import roster_import
    from teams.models import Area
    from tests.households.rosters import write_roster

    client = as_user(officer)
    roster_import(
        path=write_roster(tmp_path / "first.xlsx", family()),
        county=Area.objects.get(code="449901"),
    )
    upload(client, family(联系电话="13900139000"))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "联系电话：（空） → 139****9000" in page
    Household.objects.update(phone="13700137000")  # a colleague edits the household meanwhile
    before = Household.history.count()
    client.post(reverse("roster_import:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert job.summary["stale"]
    assert Household.objects.get().phone == "13700137000"
    assert Household.history.count() == before
    page = client.get(job.get_absolute_url()).content.decode()
    assert "校验之后登记信息已有变化" in page
    assert "联系电话：137****7000 → 139****9000" in page
    client.post(reverse("roster_import:confirm", args=[job.pk]))  # confirmed again: written
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Household.objects.get().phone == "13900139000"


def test_an_imported_roster_is_not_kept_and_old_uploads_are_purged(
    as_user, officer, settings, capsys
):
    """Uploaded rosters hold every ID number in plain text: they stayed in MEDIA_ROOT forever."""
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    client = as_user(officer)
    upload(client, family())
    imported = ImportJob.objects.get()
    path = imported.file.path
    client.post(reverse("roster_import:confirm", args=[imported.pk]))
    imported.refresh_from_db()
    assert imported.status == ImportJob.Status.DONE
    assert not imported.file
    assert not os.path.exists(path)

    rows = family()
    rows[1]["证件号码"] = "123"
    upload(client, rows)  # invalid: kept for its error workbook, until the retention ends
    upload(client, family(贫困户属性="低保贫困户"))  # checked, never confirmed
    old, recent = ImportJob.objects.exclude(pk=imported.pk).order_by("pk")
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS + 1)
    )
    old_path, recent_path = old.file.path, recent.file.path
    call_command("purge_rosters")
    assert "1 uploaded rosters deleted." in capsys.readouterr().out
    assert not os.path.exists(old_path)
    assert os.path.exists(recent_path)
    old.refresh_from_db()
    page = client.get(old.get_absolute_url()).content.decode()
    assert "上传的文件已不再保留" in page
    assert "<td>4</td>" in page
    assert client.get(reverse("roster_import:errors", args=[old.pk])).status_code == 404
    ImportJob.objects.filter(pk=recent.pk).update(file="")
    response = client.post(reverse("roster_import:confirm", args=[recent.pk]))
    assert response.status_code == 302
    assert ImportJob.objects.get(pk=recent.pk).status == "checked"
