"""The admin's django-import-export import applies the roster rules of the command and pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.import_models import ImportJob
from households.models import Household, Person
from tests.households.rosters import create_county, family, roster_bytes

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
    assert form is not None and Person.objects.count() == 0
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
