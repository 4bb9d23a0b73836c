"""The keys geo_era seals its own secrets with: second-factor (TOTP) secrets in the case
store, and the device cookies of sign-in.

Every key is derived (HKDF-SHA256, one ``purpose`` per use) from one master key:
``GEO_ERA_SECRET_KEY`` when it is set (required in production), otherwise a random
256-bit key kept in ``GEO_ERA_HOME/secret.key`` (0600, made on first use and shared by
every worker over the same home). A copy of the case store alone (a PostgreSQL dump, a
backup) therefore holds no usable second-factor secret. Changing the master key makes
the sealed secrets unreadable: every user must then enrol their second factor again
(``geo-era user reset-2fa``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from geo_era._io import PRIVATE, private_dir
from geo_era.errors import ConfigurationError
from geo_era.settings import Settings

#: The master key's file in ``GEO_ERA_HOME`` when ``GEO_ERA_SECRET_KEY`` is unset.
KEY_FILE = "secret.key"
_NONCE = 12


def master_key(settings: Settings) -> bytes:
    """The master key: ``GEO_ERA_SECRET_KEY``'s bytes, or the home's key file (made,
    0600, on first use; several processes making it at once agree on one)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    path = settings.home / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 64:
        raise ConfigurationError(f"the key file {KEY_FILE} in GEO_ERA_HOME is damaged; "
                                 "restore it, or remove it and reset every user's second "
                                 "factor (geo-era user reset-2fa)")
    return bytes.fromhex(text)


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` unless another process got there first
    (``os.link`` of a finished temporary file: all or nothing, never two keys)."""
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE)
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another worker made it: use theirs
            os.link(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def derive(settings: Settings, purpose: str) -> bytes:
    """A 256-bit key for one ``purpose`` (e.g. ``"totp"``), derived from the master key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"geo_era {purpose}".encode()).derive(master_key(settings))


class SealError(Exception):
    """A sealed value that cannot be opened: another key, or altered."""


class SecretBox:
    """Seals small secrets with AES-256-GCM under a derived key; each sealed value is
    bound to a ``context`` (e.g. the user it belongs to), so a value moved to another
    row does not open."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def for_settings(cls, settings: Settings, purpose: str = "totp") -> SecretBox:
        return cls(derive(settings, purpose))

    def seal(self, plaintext: bytes, context: str) -> str:
        """``plaintext`` sealed: URL-safe base64 of nonce and ciphertext."""
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode("utf-8"))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, context: str) -> bytes:
        """The plaintext of a value made by :meth:`seal` with the same ``context``."""
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode("utf-8"))
        except (InvalidTag, ValueError):
            raise SealError("the sealed value does not open with this key") from None


def mac(key: bytes, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, hex."""
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
