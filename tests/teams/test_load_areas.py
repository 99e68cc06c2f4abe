from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from teams.models import Area

# A copy of ../shared/data/areas-sample.csv, so that the repository tests itself.
SAMPLE = Path(__file__).with_name("areas-sample.csv")


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "areas.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.django_db
def test_sample_file_loads_into_a_tree():
    call_command("load_areas", SAMPLE)
    village = Area.objects.get(code="449901101201")
    assert village.name == "石塘1村"
    assert village.level == Area.Level.VILLAGE
    assert village.parent.code == "449901101"
    assert village.parent.parent.code == "449901"
    assert Area.objects.get(code="449901").level == Area.Level.COUNTY
    assert Area.objects.count() == 18


@pytest.mark.django_db
def test_reloading_renames_and_adds_but_never_duplicates(tmp_path, capsys):
    first = write(tmp_path, "code,name\n440000000000,示例省\n449900000000,示例市\n")
    call_command("load_areas", first)
    second = write(tmp_path, "code,name\n44,示例省\n4499,新示例市\n449901,示例县\n")
    call_command("load_areas", second)
    assert Area.objects.count() == 3
    assert Area.objects.get(code="4499").name == "新示例市"
    assert "1 areas added, 1 renamed, 1 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_excel_gb18030_csv_is_read(tmp_path):
    call_command("load_areas", write(tmp_path, "code,name\n44,示例省\n", "gb18030"))
    assert Area.objects.get(code="44").name == "示例省"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("44990A,坏代码", "4"),  # not numeric
        ("4499011,七位", "4"),  # wrong length
        ("449902101000,无上级", "4"),  # parent 449902 missing
        ("449901101201,", "4"),  # empty name
        ("4499,重复", "4"),  # duplicate of line 3
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_written(
    tmp_path, capsys, line, message
):
    path = write(tmp_path, f"code,name\n44,示例省\n4499,示例市\n{line}\n449901,示例县\n")
    Area.objects.create(code="99", name="已有", level=1)
    with pytest.raises(CommandError):
        call_command("load_areas", path)
    assert f"areas.csv:{message}:" in capsys.readouterr().err
    assert list(Area.objects.values_list("code", flat=True)) == ["99"]


@pytest.mark.django_db
def test_every_bad_row_is_reported_at_once(tmp_path, capsys):
    path = write(tmp_path, "code,name\nxx,甲\n4499,乙\n12345,丙\n")
    with pytest.raises(CommandError):
        call_command("load_areas", path)
    err = capsys.readouterr().err
    assert "areas.csv:2:" in err and "areas.csv:3:" in err and "areas.csv:4:" in err
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_a_file_without_the_header_is_refused(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("load_areas", write(tmp_path, "44,示例省\n"))
    assert Area.objects.count() == 0
