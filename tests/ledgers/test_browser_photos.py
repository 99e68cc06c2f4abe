"""Photos from phones (issue 20, item 4), in headless Chromium: two 6.5 MB phone photos (over
the 5 MB the server takes) are made smaller in the browser before they are sent, turned
upright, and keep the time and place the phone recorded as evidence of the visit."""

import datetime
import io
import os
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ledgers.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-2016"


def phone_photo(path):
    """4000 × 3000 pixels of coarse noise (a JPEG of about 6.5 MB) that the phone held on its
    side (EXIF orientation 6: turn 90° clockwise to view), taken on 2026-11-20 at 09:30 at
    23°7'30" N, 113°15' E."""
    pixels = Image.frombytes("RGB", (1000, 750), os.urandom(1000 * 750 * 3)).resize((4000, 3000))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8769] = {0x9003: "2026:11:20 09:30:00"}
    exif[0x8825] = {1: "N", 2: (23.0, 7.0, 30.0), 3: "E", 4: (113.0, 15.0, 0.0)}
    buffer = io.BytesIO()
    pixels.save(buffer, "JPEG", quality=92, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def test_big_phone_photos_are_made_smaller_and_keep_their_time_and_place(
    login_page, township_cadre, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photos = [phone_photo(tmp_path / f"IMG_000{n}.jpg") for n in (1, 2)]
    assert photos[0].stat().st_size > settings.LEDGER_PHOTO_MAX_BYTES
    township_cadre.set_password(PASSWORD)
    township_cadre.save()
    page = login_page("cadre")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("ledgers:ledger", args=[household.pk]))
    page.wait_for_load_state("domcontentloaded")
    page.click(".action-bar >> text=登记走访")
    form = page.locator("#visits form")
    form.locator("[name=findings]").fill("拍照留证：新建猪舍")
    form.locator("input[name=photos]").set_input_files([str(photo) for photo in photos])
    note = form.locator(".photo-note")
    note.wait_for()
    page.wait_for_function("() => document.querySelector('.photo-note').textContent.includes('KB')")
    sent = int(re.search(r"→ (\d+) KB", note.text_content()).group(1))
    assert sent < 3000  # two photos of 6.5 MB each
    form.locator("button[type=submit]").click()
    page.locator("#visits .saved-note").wait_for()

    visit = Visit.objects.get(household=household)
    taken = timezone.make_aware(datetime.datetime(2026, 11, 20, 9, 30))  # noqa: DTZ001
    assert visit.photos.count() == 2
    for photo in visit.photos.all():
        with Image.open(photo.photo.path) as stored:
            assert stored.size == (1200, 1600)  # upright (portrait), 1600 on its longest side
            assert not stored.getexif()  # stored without metadata
        assert photo.taken_at == taken
        assert (float(photo.latitude), float(photo.longitude)) == (23.125, 113.25)
    assert page.locator("#visits >> text=照片 2").is_visible()
