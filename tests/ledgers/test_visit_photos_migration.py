"""ledgers 0009 turns each visit's one photo into the first of its photos (the same stored
file, with the time and place the phone recorded, and a history row), and back again."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ledgers.models import VisitPhoto

BEFORE, AFTER = ("ledgers", "0008_versions"), ("ledgers", "0009_visit_photos")
TAKEN = timezone.make_aware(datetime.datetime(2017, 5, 2, 10, 12, 30))  # noqa: DTZ001


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_one_photo_of_a_visit_becomes_its_first_photo_and_back(household):
    old = migrate(BEFORE)
    Visit = old.get_model("ledgers", "Visit")
    with_photo = Visit.objects.create(
        household_id=household.pk,
        date=datetime.date(2017, 5, 2),
        findings="拍照留证",
        photo="visits/1/abc.jpg",
        photo_taken_at=TAKEN,
        photo_latitude="23.125000",
        photo_longitude="113.250000",
    )
    Visit.objects.create(
        household_id=household.pk, date=datetime.date(2017, 6, 1), findings="无照片"
    )
    try:
        migrate(AFTER)
        photo = VisitPhoto.objects.get()
        assert photo.visit_id == with_photo.pk
        assert photo.photo.name == "visits/1/abc.jpg"
        assert photo.taken_at == TAKEN
        assert (str(photo.latitude), str(photo.longitude)) == ("23.125000", "113.250000")
        assert photo.history.get().history_type == "+"

        old = migrate(BEFORE)
        back = old.get_model("ledgers", "Visit").objects.get(pk=with_photo.pk)
        assert back.photo.name == "visits/1/abc.jpg"
        assert back.photo_taken_at == TAKEN
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
