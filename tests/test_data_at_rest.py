"""Nothing plain at rest: after the everyday paths (a roster imported, one waiting with an
error, households and persons edited, a value revealed), neither the database (every table,
history included), nor MEDIA_ROOT, nor a `make backup` archive holds a seeded ID number, phone,
bank account or health status in plain. (A pg_dump held full ID numbers in the import reports,
and the uploaded rosters lay in MEDIA_ROOT for good.)"""

import re
import subprocess
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from households.models import Household, Person
from households.models.imports import ImportJob
from households.sensitive import is_sealed_file
from teams.management.commands.backup import postgres_command
from tests.households.rosters import (
    CHILD_ID,
    HEAD_ID,
    HEADER,
    SPOUSE_ID,
    create_county,
    family,
    id_number,
    roster_bytes,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are of PostgreSQL (make test runs one)"
)
PHONE = "13912345678"
TYPED_PHONE = "13787654321"
ACCOUNT = "6217001122334455667"
WAITING_ID = id_number("19850505", "055")
HEALTH = "患有大病"
#: Tables that may name a health status: the reference list it is chosen from.
LISTS = {"households_referenceitem"}


def upload(client, rows, **kwargs):
    content = roster_bytes(rows, **kwargs)
    data = {"county": "449901", "file": SimpleUploadedFile("花名册.xlsx", content)}
    return client.post(reverse("roster_import:upload"), data)


def tables_of(sql):
    """{table: its COPY data} of a plain-SQL dump."""
    blocks = re.findall(r"^COPY public\.(\w+) .*? FROM stdin;\n(.*?)^\\\.$", sql, re.M | re.S)
    return dict(blocks)


@pytest.mark.django_db(transaction=True)
def test_no_plain_value_in_the_database_the_media_folder_or_a_backup(
    as_user, county_officer, settings, tmp_path, capsys
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    create_county()
    client = as_user(county_officer)
    rows = family(联系电话=PHONE)
    rows[2]["健康状况"] = HEALTH
    upload(client, rows, header=[*HEADER, "健康状况"])
    job = ImportJob.objects.get()
    client.post(reverse("roster_import:confirm", args=[job.pk]))
    household = Household.objects.get()
    assert household.persons.count() == 3
    assert household.phone == PHONE
    # A second roster waits with an error: its file is kept for the error workbook.
    waiting = family("44990110120200002")
    waiting[1]["证件号码"] = WAITING_ID[:-1] + "0"
    waiting[2]["证件号码"] = WAITING_ID
    upload(client, waiting)
    kept = ImportJob.objects.exclude(pk=job.pk).get()
    assert kept.status == ImportJob.Status.INVALID
    assert kept.file
    # Edits through the forms, and a reveal.
    edit = reverse("households:edit", args=[household.pk])
    data = {
        "attribute": household.attribute_id,
        "main_cause": household.main_cause_id,
        "housing": household.housing,
        "farmland_mu": 0,
        "forest_mu": 0,
        "phone": TYPED_PHONE,
        "bank_account": ACCOUNT,
        "version": household.version,
    }
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    child = Person.objects.get(name="张小山")
    assert child.health == HEALTH
    client.post(reverse("households:reveal", args=["id_number", child.pk]), {"reason": "核对身份"})
    secrets = [HEAD_ID, SPOUSE_ID, CHILD_ID, WAITING_ID, PHONE, TYPED_PHONE, ACCOUNT]

    # The database, every table.
    command, env = postgres_command("pg_dump", connection.settings_dict)
    dump = subprocess.run(
        [*command, connection.settings_dict["NAME"]], env=env, capture_output=True, text=True
    )
    assert dump.returncode == 0, dump.stderr
    tables = tables_of(dump.stdout)
    assert "households_historicalperson" in tables
    assert "households_importjob" in tables
    for table, data in tables.items():
        found = [s for s in secrets if s in data]
        found += [HEALTH] if HEALTH in data and table not in LISTS else []
        assert not found, (table, found)

    # The media folder: the waiting roster is there, encrypted.
    files = [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        assert is_sealed_file(content), path
        assert not any(s.encode() in content for s in [*secrets, HEALTH]), path

    # A backup: the dump (read back as SQL) and the media archive.
    capsys.readouterr()
    call_command("backup")
    dump_path, media_path = capsys.readouterr().out.split()
    restore, env = postgres_command("pg_restore", connection.settings_dict)
    sql = subprocess.run(
        [*restore, "--file=-", dump_path], env=env, capture_output=True, text=True
    ).stdout
    for table, data in tables_of(sql).items():
        assert not [s for s in secrets if s in data], table
    with tarfile.open(media_path) as archive:
        for member in archive.getmembers():
            if member.isfile():
                content = archive.extractfile(member).read()
                assert not any(s.encode() in content for s in [*secrets, HEALTH]), member.name
