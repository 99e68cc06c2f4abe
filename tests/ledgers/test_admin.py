from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import VisitFactory, VisitPhotoFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_admin_links_the_visit_photo_to_the_scoped_view(
    as_user, county_officer, city_officer, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = VisitFactory(household=household)
    photos = [
        VisitPhotoFactory(visit=visit, photo=SimpleUploadedFile(f"走访{n}.png", PNG))
        for n in range(2)
    ]
    url = reverse("admin:ledgers_visit_change", args=[visit.pk])
    for user in (county_officer, city_officer):
        page = as_user(user).get(url).content.decode()
        for photo in photos:
            assert f'<a href="{reverse("ledgers:visit_photo", args=[photo.pk])}">' in page
            assert f'href="{photo.photo.url}"' not in page
        assert "/media/" not in page


def test_admin_shows_no_photo_link_for_a_visit_without_photo(as_user, county_officer, household):
    visit = VisitFactory(household=household)
    page = as_user(county_officer).get(reverse("admin:ledgers_visit_change", args=[visit.pk]))
    assert "打开照片" not in page.content.decode()
