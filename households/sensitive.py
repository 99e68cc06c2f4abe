"""Sensitive personal information (PIPL): encrypted columns, keyed hashes, masks, reveals.

ID numbers, phones, bank accounts, health and disability are encrypted with AES-GCM before
they reach the database; the key comes from the environment (FIELD_ENCRYPTION_KEY), never from
the database.
A keyed hash (HMAC-SHA256 with FIELD_HASH_KEY) of each ID number gives uniqueness and exact
lookup without decrypting anything. See docs/security.md for key rotation.
"""

import base64
import binascii
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models

#: Stored values look like ``v1$<key id>$<base64 nonce+ciphertext>``.
PREFIX = "v1"


def _decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    if len(key) != 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY entries must be 32 bytes, base64.")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@cache
def _keys() -> tuple[tuple[str, AESGCM], ...]:
    """(id, cipher) for every configured key; the first one encrypts, all of them decrypt."""
    keys = [_decode_key(text) for text in settings.FIELD_ENCRYPTION_KEY]
    return tuple((key_id(key), AESGCM(key)) for key in keys)


class Sealed(str):
    """A value encrypted ahead of saving, which EncryptedTextField stores as it is."""


def sealer():
    """A function that encrypts values now, for a bulk writer that saves them later (`Sealed`),
    with the key read once: an import seals some 170,000 values. It belongs to the one task
    that made it (its nonces must never be drawn twice)."""
    kid, cipher = _keys()[0]
    aad, head = kid.encode(), f"{PREFIX}${kid}$"
    b2a_base64, encrypt_with_key, nonces = binascii.b2a_base64, cipher.encrypt, _nonces()

    def seal(value: str) -> Sealed:
        nonce = next(nonces)
        sealed = encrypt_with_key(nonce, value.encode(), aad)
        return Sealed(head + b2a_base64(nonce + sealed, newline=False).decode())

    return seal


def _nonces():
    """Random 96-bit nonces for AES-GCM, drawn from the operating system in batches that grow
    from one to 4,096: one draw (a system call) per value cost an import more than the
    encryption itself."""
    count = 1
    while True:
        batch = os.urandom(12 * count)
        for start in range(0, len(batch), 12):
            yield batch[start : start + 12]
        count = min(count * 2, 4096)


def encrypt(value: str) -> str:
    """``value`` encrypted with the current key: ``v1$<key id>$<base64 nonce+ciphertext>``."""
    return str(sealer()(value))


def decrypt(stored: str) -> str:
    prefix, kid, payload = stored.split("$", 2)
    if prefix != PREFIX:
        raise ValueError(f"Unknown encrypted value format {prefix!r}.")
    return _open(kid, base64.b64decode(payload)).decode()


def _open(kid: str, data: bytes) -> bytes:
    """``data`` (nonce + ciphertext) decrypted with the key ``kid``."""
    for candidate, cipher in _keys():
        if candidate == kid:
            try:
                return cipher.decrypt(data[:12], data[12:], kid.encode())
            except InvalidTag as exc:
                raise ValueError("An encrypted value failed its integrity check.") from exc
    raise ImproperlyConfigured(
        f"No FIELD_ENCRYPTION_KEY with id {kid}: keep old keys after the new one until "
        "`manage.py reencrypt_fields` has run."
    )


def encrypt_bytes(data: bytes) -> bytes:
    """A file's content encrypted like a field: ``v1$<key id>$`` then nonce and ciphertext."""
    kid, cipher = _keys()[0]
    nonce = os.urandom(12)
    return f"{PREFIX}${kid}$".encode() + nonce + cipher.encrypt(nonce, data, kid.encode())


def decrypt_bytes(stored: bytes) -> bytes:
    prefix, kid, data = stored.split(b"$", 2)
    if prefix.decode() != PREFIX:
        raise ValueError("The file is not encrypted.")
    return _open(kid.decode(), data)


def is_sealed_file(data: bytes) -> bool:
    return data.startswith(f"{PREFIX}$".encode())


class SealedStorage(FileSystemStorage):
    """Files stored encrypted with the field key (uploaded rosters, which hold every ID number
    of a county): MEDIA_ROOT and its backups hold ciphertext; `open` gives the plain bytes."""

    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        with super()._open(name, "rb") as stored:
            return ContentFile(decrypt_bytes(stored.read()), name=name)


def sealed_storage():
    return SealedStorage()


def current_key_id() -> str:
    return _keys()[0][0]


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: equal values, equal hashes; useless without the key."""
    return keyed_hasher()(value)


def keyed_hasher():
    """`keyed_hash` with the key read and prepared once, for hashing thousands of values: each
    value continues a copy of the keyed state (a quarter faster than `hmac.digest`, which
    prepares the key for every value)."""
    keyed = hmac.new(settings.FIELD_HASH_KEY.encode(), digestmod="sha256")

    def hash_value(value: str) -> str:
        state = keyed.copy()
        state.update(value.encode())
        return state.hexdigest()

    return hash_value


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain value.

    The empty string stays empty (so "no phone" needs no decryption). Lookups other than
    ``isnull``/empty are meaningless on ciphertext: look values up through a keyed hash.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        if isinstance(value, Sealed):
            return str(value)
        return encrypt(value)


def mask_phone(value: str) -> str:
    """``138****1234``."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_all(value: str) -> str:
    """``**`` for a recorded value, of which nothing is shown (health, disability)."""
    return "**" if value else ""


def mask_account(value: str) -> str:
    """A bank account with only its last four digits."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 4) + value[-4:]
