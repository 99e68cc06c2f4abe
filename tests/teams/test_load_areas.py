import os
import subprocess
import sys
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
    assert "areas.csv:2:" in err
    assert "areas.csv:3:" in err
    assert "areas.csv:4:" in err
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_a_file_without_the_header_is_refused(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("load_areas", write(tmp_path, "44,示例省\n"))
    assert Area.objects.count() == 0


# The published file: cities without counties, its header, the whole country -------------------

GUANGDONG = """统计用区划代码,名称,城乡分类代码
440000000000,广东省,
441900000000,东莞市,
441900003000,东城街道,
441900003001,东城社区居委会,111
441900101000,石碣镇,
441900101201,石碣村委会,220
442000000000,中山市,
442000001000,石岐街道,
442000001001,石岐社区居委会,111
441300000000,惠州市,
441302000000,惠城区,
441302001000,桥东街道,
441302001001,新湖社区居委会,111
"""


@pytest.mark.django_db
def test_the_published_file_loads_cities_without_counties_under_themselves(tmp_path, capsys):
    """东莞 (4419) and 中山 (4420) have townships directly under the city: the statistics'
    county digits are 00. The whole file was refused, saying 441900000000 was missing."""
    call_command("load_areas", write(tmp_path, GUANGDONG))
    township = Area.objects.get(code="441900003")
    assert township.parent.code == "441900"
    assert township.parent.level == Area.Level.COUNTY
    assert township.parent.name == "东莞市"
    assert township.parent.parent.code == "4419"
    assert Area.objects.get(code="442000001").parent.name == "中山市"
    assert Area.objects.get(code="441900101201").parent.name == "石碣镇"
    assert Area.objects.get(code="441302001").parent.code == "441302"  # ordinary counties
    assert "15 areas added" in capsys.readouterr().out  # 13 rows and the two county levels
    call_command("load_areas", write(tmp_path, GUANGDONG))  # again: nothing new
    assert Area.objects.count() == 15


@pytest.mark.django_db
def test_a_city_without_counties_already_known_takes_its_townships(tmp_path):
    call_command("load_areas", write(tmp_path, "code,name\n46,海南省\n4604,儋州市\n"))
    call_command("load_areas", write(tmp_path, "code,name\n460400100000,那大镇\n"))
    assert Area.objects.get(code="460400100").parent.name == "儋州市"


@pytest.mark.django_db
def test_a_missing_parent_is_named_with_its_level(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("load_areas", write(tmp_path, "code,name\n44,广东省\n441302001000,桥东街道\n"))
    assert "上级县（市、区） 441302 既不在文件中，也不在系统里" in capsys.readouterr().err


def national(count_per_level=(31, 11, 9, 12, 16)):
    """A division file shaped like the whole country's (31 provinces, about 340 cities, 2,850
    counties, 38,000 townships, 600,000 villages at the default sizes)."""
    provinces, cities, counties, townships, villages = count_per_level
    lines = ["统计用区划代码,名称"]
    for p in range(11, 11 + provinces):
        lines.append(f"{p}0000000000,省{p}")
        for c in range(1, cities + 1):
            lines.append(f"{p}{c:02d}00000000,市{p}{c:02d}")
            for k in range(1, counties + 1):
                county = f"{p}{c:02d}{k:02d}"
                lines.append(f"{county}000000,县{county}")
                for t in range(1, townships + 1):
                    township = f"{county}{t:03d}"
                    lines.append(f"{township}000,镇{township}")
                    lines += [
                        f"{township}{v:03d},村{township}{v:03d}" for v in range(1, villages + 1)
                    ]
    return "\n".join(lines) + "\n"


def test_more_codes_than_sqlite_takes_parameters_load_on_sqlite(tmp_path):
    """SQLite takes at most 32,766 parameters a statement: the country's file failed with "too
    many SQL variables". Loaded here into a fresh SQLite database, as `make run` has."""
    path = write(tmp_path, national((1, 2, 5, 10, 340)))  # 34,113 codes
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "1"}
    root = Path(__file__).resolve().parents[2]
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=root, timeout=300)
    done = subprocess.run(
        [*manage, "load_areas", str(path)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "34113 areas added" in done.stdout
