"""The admin's django-import-export import applies the roster rules of the command and pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Household, Person
from households.models.imports import ImportJob
from tests.households.rosters import (
    create_county,
    family,
    rewrite_zip,
    roster_bytes,
    write_roster,
)
from tests.households.test_import_real_files import libreoffice

pytestmark = pytest.mark.django_db


def test_admin_import_reports_errors_then_imports_a_valid_roster(as_user, county_officer):
    create_county()
    client = as_user(county_officer)
    url = reverse("admin:households_importjob_import")
    rows = family()
    rows[1]["证件号码"] = "123"
    upload = SimpleUploadedFile("roster.xlsx", roster_bytes(rows))
    response = client.post(url, {"resource": 0, "format": 0, "import_file": upload})
    page = response.content.decode()
    assert "第 4 行 证件号码“123”" in page
    assert Person.objects.count() == 0

    upload = SimpleUploadedFile("roster.xlsx", roster_bytes(family()))
    response = client.post(url, {"resource": 0, "format": 0, "import_file": upload})
    form = response.context["confirm_form"]
    assert form is not None
    assert Person.objects.count() == 0
    data = {**form.initial, "resource": 0}
    client.post(reverse("admin:households_importjob_process_import"), data)
    assert (Household.objects.count(), Person.objects.count()) == (1, 3)


def test_admin_import_is_not_offered_to_township_users(as_user, township_cadre):
    township_cadre.is_staff = True
    township_cadre.save()
    response = as_user(township_cadre).get(reverse("admin:households_importjob_import"))
    assert response.status_code == 403


def test_another_countys_job_is_not_found_in_the_admin(as_user, other_county_officer):
    job = ImportJob.objects.create(
        county=create_county(), file="imports/x.xlsx", file_name="x.xlsx", status="invalid"
    )
    client = as_user(other_county_officer)
    for view in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:households_importjob_{view}", args=[job.pk]))
        assert response.status_code == 404, view
    assert (
        client.post(reverse("admin:households_importjob_delete", args=[job.pk])).status_code == 404
    )
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_admin_import_checks_the_file_before_anything_reads_it(
    as_user, county_officer, tmp_path, monkeypatch
):
    """A zip bomb (394 KB that unpack to far more) took the web process to 857 MB through the
    admin, which read it whole with openpyxl before the roster's checks."""
    create_county()

    def no_openpyxl(*args, **kwargs):
        raise AssertionError("openpyxl read the upload")

    monkeypatch.setattr("openpyxl.load_workbook", no_openpyxl)
    monkeypatch.setattr("tablib.formats._xlsx.load_workbook", no_openpyxl, raising=False)
    source = write_roster(tmp_path / "good.xlsx", family())

    def inflate(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data + b" " * (50 * 1024 * 1024)
        return data

    bomb = rewrite_zip(source, tmp_path / "bomb.xlsx", inflate)
    client = as_user(county_officer)
    url = reverse("admin:households_importjob_import")
    upload = SimpleUploadedFile("roster.xlsx", bomb.read_bytes())
    page = client.post(url, {"resource": 0, "format": 0, "import_file": upload}).content.decode()
    assert "解压后的数据量远超花名册" in page
    assert Person.objects.count() == 0


@pytest.mark.parametrize("target", ["csv:Text - txt - csv (StarCalc):44,34,76", "xls", "ods"])
def test_admin_import_takes_the_other_formats(as_user, county_officer, tmp_path, target):
    create_county()
    source = write_roster(tmp_path / "family.xlsx", family())
    [converted] = libreoffice(tmp_path, target, source)
    suffix = converted.suffix
    client = as_user(county_officer)
    url = reverse("admin:households_importjob_import")
    upload = SimpleUploadedFile(f"roster{suffix}", converted.read_bytes())
    response = client.post(url, {"resource": 0, "format": 0, "import_file": upload})
    form = response.context["confirm_form"]
    client.post(
        reverse("admin:households_importjob_process_import"), {**form.initial, "resource": 0}
    )
    assert (Household.objects.count(), Person.objects.count()) == (1, 3)


def test_a_refused_file_is_said_in_chinese_without_a_traceback(as_user, county_officer):
    create_county()
    upload = SimpleUploadedFile("roster.xlsx", b"\x89PNG\0")
    response = as_user(county_officer).post(
        reverse("admin:households_importjob_import"),
        {"resource": 0, "format": 0, "import_file": upload},
    )
    page = response.content.decode()
    assert "该文件不是花名册" in page
    assert "Traceback" not in page
