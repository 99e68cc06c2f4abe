"""`manage.py backup` then `restore` into an empty database gives back every row and file."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from teams.models import Team

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are of PostgreSQL (make test runs one)"
)
RESTORED = "bangfu_restore_test"


def fingerprint(cursor, tables):
    """Each table's row count and an md5 of all its rows, in a stable order."""
    result = {}
    for table in tables:
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f'FROM "{table}" t'
        )
        result[table] = cursor.fetchone()
    return result


@pytest.fixture
def empty_database():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {RESTORED}")
        cursor.execute(f"CREATE DATABASE {RESTORED}")
    params = connection.get_connection_params()
    url = "postgres://{user}@{host}:{port}/{db}".format(
        user=params["user"], host=params["host"], port=params["port"], db=RESTORED
    )
    yield url, {**params, "dbname": RESTORED}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_table_and_file_into_an_empty_database(
    empty_database, settings, tmp_path, capsys
):
    url, params = empty_database
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "evidence").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "照片.jpg").write_bytes(b"\xff\xd8 photo")
    call_command("seed_demo", "--households", "20")
    Team.objects.first().members.update(phone="13800000000")  # history rows too
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        before = fingerprint(cursor, tables)
    assert before["teams_member"][0] > 0

    capsys.readouterr()
    call_command("backup")
    dump = capsys.readouterr().out.split()[0]
    (settings.MEDIA_ROOT / "evidence" / "照片.jpg").unlink()
    call_command("restore", dump, database_url=url)

    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as restored, restored.cursor() as cursor:
        assert fingerprint(cursor, tables) == before
    assert (settings.MEDIA_ROOT / "evidence" / "照片.jpg").read_bytes() == b"\xff\xd8 photo"
