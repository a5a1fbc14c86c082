"""Field encryption at rest (AES-256-GCM with a key ring) and keyed digests for exact lookups.

A stored value is `e1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id is derived from
the key itself (8 hex characters of a SHA-256), so a row says which key sealed it and
`exitentry rotate-field-keys` finds the rows still sealed with an older one. The associated data
is the kind of value ("id_number", "phone", "totp_secret"), so a ciphertext copied into a column
of another kind does not open.

A digest is HMAC-SHA256 under a separate lookup key over `<kind>\\0<normalised value>`: equal
numbers give equal digests (so a digest column can be indexed, unique and searched), nobody
without the lookup key can test a guess against it, and the encryption keys can rotate without
touching it. Keys: `settings.FIELD_ENCRYPTION_KEYS` (newest first) and `settings.FIELD_LOOKUP_KEY`,
each 32 bytes in base64; see docs/security.md.

This module is imported by the settings (to check keys) and so must not import Django models.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

FORMAT = "e1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that no key in the ring opens (unknown key id, tampered or not encrypted)."""


def parse_key(text: str, name: str = "FIELD_ENCRYPTION_KEYS") -> bytes:
    """A 32-byte key from base64 (standard or URL-safe, padding optional)."""
    cleaned = text.strip()
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        key = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{name}: a key is not valid base64") from error
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: each key must be 32 bytes (base64 of 32 random bytes)")
    return key


def new_key() -> str:
    """A fresh key for FIELD_ENCRYPTION_KEYS or FIELD_LOOKUP_KEY."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"exitentry field key id\0" + key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    ciphers: dict[str, AESGCM]
    lookup_key: bytes

    @property
    def current_prefix(self) -> str:
        return f"{FORMAT}:{self.primary_id}:"


@functools.lru_cache(maxsize=8)
def _ring(encryption_keys: tuple[str, ...], lookup_key: str) -> KeyRing:
    if not encryption_keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key")
    keys = [parse_key(text) for text in encryption_keys]
    ciphers = {key_id(key): AESGCM(key) for key in keys}
    return KeyRing(
        primary_id=key_id(keys[0]),
        ciphers=ciphers,
        lookup_key=parse_key(lookup_key, "FIELD_LOOKUP_KEY"),
    )


def key_ring() -> KeyRing:
    from django.conf import settings

    return _ring(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.FIELD_LOOKUP_KEY)


def encrypt(value: str, kind: str) -> str:
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.primary_id].encrypt(nonce, value.encode(), kind.encode())
    return f"{FORMAT}:{ring.primary_id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(f"{FORMAT}:")


def decrypt(stored: str, kind: str) -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT:
        raise DecryptionError("the stored value is not an encrypted field value")
    cipher = key_ring().ciphers.get(parts[1])
    if cipher is None:
        raise DecryptionError(f"no key with id {parts[1]} in FIELD_ENCRYPTION_KEYS")
    try:
        raw = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kind.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise DecryptionError("the stored value does not open with its key (tampered?)") from error


def normalise_id_number(value: str) -> str:
    """Resident ID and document numbers: no spaces, upper case (the `x` check digit → `X`)."""
    return re.sub(r"\s+", "", value).upper()


def normalise_phone(value: str) -> str:
    """Digits only; a mainland mobile given with +86 / 0086 loses the country code."""
    digits = re.sub(r"\D", "", value)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix) :]
    return digits


def normalise_base32(value: str) -> str:
    """A base32 secret as apps show it (groups of four, any case) as the library reads it."""
    return re.sub(r"\s+", "", value).upper()


NORMALISERS: dict[str, Callable[[str], str]] = {
    "id_number": normalise_id_number,
    "document_number": normalise_id_number,
    "phone": normalise_phone,
    "totp_secret": normalise_base32,
}


def digest(kind: str, value: str) -> str:
    """The keyed digest of a value as it is looked up (normalised first)."""
    normalised = NORMALISERS[kind](value)
    return hmac.new(key_ring().lookup_key, f"{kind}\0{normalised}".encode(), hashlib.sha256).hexdigest()


def stored_digest(kind: str, value: str | None) -> str | None:
    """The digest kept beside a stored value: none for an empty one."""
    if not value:
        return None
    return digest(kind, value)


def development_key(label: str) -> str:
    """A fixed key for development and tests ONLY (derived from a public label: not secret)."""
    seed = hashlib.sha256(f"exitentry NOT FOR PRODUCTION {label}".encode()).digest()
    return base64.urlsafe_b64encode(seed).decode()


def check_keys(encryption_keys: Sequence[str], lookup_key: str) -> None:
    """Settings-time check: every key parses; the lookup key is not one of the encryption keys."""
    if not encryption_keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key")
    parsed = [parse_key(text) for text in encryption_keys]
    if parse_key(lookup_key, "FIELD_LOOKUP_KEY") in parsed:
        raise ImproperlyConfigured("FIELD_LOOKUP_KEY must differ from every FIELD_ENCRYPTION_KEYS key")
