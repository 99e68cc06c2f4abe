import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import pgettext

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is not installed")
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_of_the_interface_is_translated_to_chinese(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


def test_no_string_shows_the_translation_of_another_catalogue():
    """Django merges every catalogue into one: the same English in two apps (or in Django's own
    apps) shows one translation everywhere. A word that means something else in another app
    needs its own msgid or a context."""
    shown_otherwise = []
    with translation.override("zh-hans"):
        for catalogue in CATALOGUES:
            with catalogue.with_suffix(".mo").open("rb") as compiled:
                entries = gettext.GNUTranslations(compiled)._catalog
            for key, ours in entries.items():
                if not isinstance(key, str) or not key:
                    continue  # the header, plural forms
                context, _, msgid = key.rpartition("\x04")
                shown = pgettext(context, msgid) if context else translation.gettext(msgid)
                if shown != ours:
                    shown_otherwise.append(
                        f"{catalogue.parts[-5]}: {msgid!r} is {ours}, shows {shown}"
                    )
    assert not shown_otherwise, "\n".join(shown_otherwise)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_translation_says_the_same_thing_twice(catalogue):
    """The edit-conflict message said everything twice (a translation pasted twice)."""
    with catalogue.with_suffix(".mo").open("rb") as compiled:
        entries = gettext.GNUTranslations(compiled)._catalog
    doubled = []
    for key, text in entries.items():
        half = len(text) // 2
        if len(text) > 20 and text[:half].strip() == text[half:].strip():
            doubled.append(key)
    assert doubled == []


def test_a_signature_is_called_one_thing():
    """The printouts said 签名 in one place and 签字 in another (issue 21)."""
    found = [
        str(path.relative_to(ROOT))
        for path in [
            *CATALOGUES,
            *ROOT.glob("*/templates/**/*.html"),
            *ROOT.glob("templates/**/*.html"),
        ]
        if "签字" in path.read_text()
    ]
    assert found == []
