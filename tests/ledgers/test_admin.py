from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import VisitFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_admin_links_the_visit_photo_to_the_scoped_view(
    as_user, county_officer, city_officer, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = VisitFactory(household=household, photo=SimpleUploadedFile("走访.png", PNG))
    url = reverse("admin:ledgers_visit_change", args=[visit.pk])
    for user in (county_officer, city_officer):
        page = as_user(user).get(url).content.decode()
        assert f'<a href="{reverse("ledgers:visit_photo", args=[visit.pk])}">' in page
        assert f'href="{visit.photo.url}"' not in page
        assert "/media/" not in page


def test_admin_shows_no_photo_link_for_a_visit_without_photo(as_user, county_officer, household):
    visit = VisitFactory(household=household)
    page = as_user(county_officer).get(reverse("admin:ledgers_visit_change", args=[visit.pk]))
    assert reverse("ledgers:visit_photo", args=[visit.pk]) not in page.content.decode()
