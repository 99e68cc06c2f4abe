"""Uploaded evidence: only a few document and image types, recognised by their name AND their
first bytes, so a renamed executable or web page is refused; and the stored files go with their
rows."""

import zipfile
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: An OLE2 compound file: old Word and Excel files, and WPS Office's own .wps and .et.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Extension → the bytes a genuine file of that type starts with.
SIGNATURES = {
    "pdf": b"%PDF-",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "doc": OLE2,
    "wps": OLE2,
    "xls": OLE2,
    "et": OLE2,
}
#: Office files are zip archives: the part that tells a Word document from a workbook.
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
#: In a compound file, the stream that tells a document from a workbook (its directory holds
#: the names in UTF-16).
OLE2_STREAMS = {
    "doc": ("WordDocument",),
    "wps": ("WordDocument",),
    "xls": ("Workbook", "Book"),
    "et": ("Workbook", "Book"),
}


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def validate_attachment(file) -> None:
    """Refuse files over ATTACHMENT_MAX_BYTES and anything but PDF, JPG, PNG and the Word,
    Excel and WPS documents (docx, xlsx; doc, xls, wps, et), each by its content too."""
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            code="too_big",
        )
    ext = extension(file.name)
    if ext not in SIGNATURES:
        raise ValidationError(
            _(
                "Only PDF, JPG, PNG, Word (doc, docx), Excel (xls, xlsx) and WPS (wps, et) "
                "files can be attached."
            ),
            code="type",
        )
    file.seek(0)
    head = file.read(len(SIGNATURES[ext]))
    file.seek(0)
    if (
        head != SIGNATURES[ext]
        or (ext in OFFICE_PARTS and not _has_part(file, OFFICE_PARTS[ext]))
        or (ext in OLE2_STREAMS and not _has_stream(file, OLE2_STREAMS[ext]))
    ):
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file.")
            % {"name": file.name, "type": ext.upper()},
            code="signature",
        )


def _has_part(file, part: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return part in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)


def _has_stream(file, names) -> bool:
    content = file.read()
    file.seek(0)
    return any(name.encode("utf-16-le") in content for name in names)


def delete_stored_files(sender, instance, using, **kwargs):
    """A post_delete receiver: remove the deleted row's files once the deletion is committed.

    Waiting for the commit keeps the file of a deletion that is rolled back. The history of the
    row (simple-history) still names the file, but the file itself is gone: a deleted attachment
    or photo cannot be restored from the history.
    """
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.FileField):
            file = getattr(instance, field.attname)
            if file:
                transaction.on_commit(partial(file.storage.delete, file.name), using=using)
