"""Pictures stored without metadata (visit photos, work-record pictures): a phone's picture
carries its GPS position, the phone's make and serial and the time it was taken (EXIF). A
visit keeps the time and the place as evidence fields; the stored file holds the pixels only."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

#: Pillow refuses larger images as decompression bombs; a phone photo has about 50 million.
Image.MAX_IMAGE_PIXELS = 80_000_000
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL = 0x9003
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoError(Exception):
    """The upload is not a picture that can be read."""


def without_metadata(upload, name):
    """(the picture re-encoded without metadata and turned upright, its evidence: taken at,
    latitude, longitude, each None when the picture does not say)."""
    try:
        with Image.open(upload) as image:
            kind = image.format
            exif = image.getexif()
            upright = ImageOps.exif_transpose(image)
            output = io.BytesIO()
            options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
            upright.save(output, format=kind, **options)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise PhotoError(str(exc)) from exc
    evidence = _taken_at(exif), *_position(exif)
    return SimpleUploadedFile(name, output.getvalue(), FORMATS[kind]), evidence


def _taken_at(exif):
    text = exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL)
    try:
        # EXIF has no time zone: the naive time is made aware below.
        taken = datetime.datetime.strptime(str(text).strip(), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
    except ValueError:
        return None
    return timezone.make_aware(taken)  # the phone's clock, in the project's time zone


def _position(exif):
    gps = exif.get_ifd(GPS_IFD)
    try:
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def _degrees(parts, ref, negative):
    degrees, minutes, seconds = (float(part) for part in parts)
    value = Decimal(str(round(degrees + minutes / 60 + seconds / 3600, 6)))
    return -value if str(ref).upper().startswith(negative) else value
