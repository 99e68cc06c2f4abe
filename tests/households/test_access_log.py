"""The access log (PIPL art. 51): who opened which household's file, ledger, card or export,
one row a page view, searchable by the county office, kept ACCESS_LOG_RETENTION_DAYS. (Before,
which households' pages an account had opened was only in the web server's log.)"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from households.models import Access
from tests.factories import VisitFactory, VisitPhotoFactory, picture

pytestmark = pytest.mark.django_db


def pages(household):
    """(url, what the log says it was) of every page and download of a household's data."""
    person = household.persons.first()
    village = household.village_id
    photo = VisitPhotoFactory(
        visit=VisitFactory(household=household),
        photo=SimpleUploadedFile("走访.jpg", picture(), "image/jpeg"),
    )
    return [
        (reverse("households:detail", args=[household.pk]), Access.Kind.FILE, household.number),
        (reverse("households:edit", args=[household.pk]), Access.Kind.EDIT, household.number),
        (reverse("households:person_edit", args=[person.pk]), Access.Kind.EDIT, household.number),
        (reverse("ledgers:card", args=[household.pk]), Access.Kind.CARD, household.number),
        (reverse("ledgers:ledger", args=[household.pk]), Access.Kind.LEDGER, household.number),
        (reverse("ledgers:print", args=[household.pk]), Access.Kind.PRINT, household.number),
        (reverse("ledgers:history", args=[household.pk]), Access.Kind.HISTORY, household.number),
        (reverse("ledgers:visit_photo", args=[photo.pk]), Access.Kind.PHOTO, household.number),
        (reverse("households:village_register", args=[village]), Access.Kind.REGISTER, ""),
        (reverse("households:village_register_xlsx", args=[village]), Access.Kind.EXPORT, ""),
        (reverse("ledgers:export") + f"?area={village}", Access.Kind.EXPORT, ""),
    ]


def test_each_page_view_writes_one_row_with_who_what_and_which_household(
    as_user, township_cadre, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = as_user(township_cadre)
    for url, kind, number in pages(household):
        before = Access.objects.count()
        assert client.get(url).status_code == 200, url
        assert Access.objects.count() == before + 1, url
        row = Access.objects.latest("pk")
        assert (row.actor, row.user, row.kind, row.household_number) == (
            "cadre",
            township_cadre,
            kind,
            number,
        ), url
        assert row.area_code == household.village_id
        assert row.path == url


def test_a_page_outside_the_scope_writes_nothing(as_user, outsider, household):
    response = as_user(outsider).get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 404
    assert not Access.objects.exists()


def test_the_admin_change_page_of_a_household_or_person_is_logged(
    as_user, county_officer, household
):
    client = as_user(county_officer)
    client.get(reverse("admin:households_household_change", args=[household.pk]))
    client.get(reverse("admin:households_person_change", args=[household.persons.first().pk]))
    assert (
        list(Access.objects.values_list("kind", "household_number"))
        == [(Access.Kind.FILE, household.number)] * 2
    )


def test_the_county_office_finds_who_opened_a_household(
    as_user, township_cadre, county_officer, household
):
    as_user(township_cadre).get(reverse("ledgers:card", args=[household.pk]))
    page = as_user(county_officer).get(
        reverse("admin:households_access_changelist") + f"?q={household.number}"
    )
    body = page.content.decode()
    assert "个人信息查阅记录" in body
    assert "户有卡" in body
    assert ">cadre<" in body


def test_purge_deletes_rows_older_than_the_retention_only(settings, household):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    old, recent = (
        Access.objects.create(
            actor="cadre",
            kind="file",
            household_number=household.number,
            area_code="4499",
            path="/",
        )
        for _ in range(2)
    )
    Access.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_access_log")
    assert list(Access.objects.all()) == [recent]
