"""The key of a case store's audit chain (HMAC-SHA256, :mod:`geo_era.security.audit`).

Each engine :func:`~geo_era.db.store.open_store` opens carries its store's key: the
configured ``GEO_ERA_AUDIT_KEY`` (required in production), or in development a random
key made once and kept in ``GEO_ERA_HOME/audit.key`` (0600), so that every process over
the same home (the server, the command line, a test) keys the chain alike.

The key is worth what its keeping is worth: whoever holds it and can write the database
can rewrite the trail and recompute a chain that verifies. An operator keeps
``GEO_ERA_AUDIT_KEY`` away from the database's host and its backups (a secrets manager,
an environment set at start), and the development key file is for development only.
Neither the key nor anything derived from it but the chain's hashes is ever logged or
shown in an error.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path
from weakref import WeakKeyDictionary

from pydantic import SecretBytes, SecretStr
from sqlalchemy import Connection, Engine

from geo_era._io import PRIVATE, private_dir
from geo_era.errors import ConfigurationError

#: The development key's file in ``GEO_ERA_HOME``.
DEVELOPMENT_KEY_FILE = "audit.key"
#: Fewest characters of a key (as for ``GEO_ERA_AUDIT_KEY``).
MIN_KEY_CHARACTERS = 32

_KEYS: WeakKeyDictionary[Engine, SecretBytes] = WeakKeyDictionary()


def _as_key(value: str, where: str) -> SecretBytes:
    text = value.strip()
    if len(text) < MIN_KEY_CHARACTERS:
        raise ConfigurationError(f"{where} must hold at least {MIN_KEY_CHARACTERS} random "
                                 "characters")
    return SecretBytes(text.encode("utf-8"))


def development_key(home: Path) -> SecretBytes:
    """The development key kept in ``home`` (made on first use, 0600).

    Two processes starting together agree on one key: each writes its own candidate
    beside the target and links it into place only if no key is there yet, then
    every process reads whichever key won.
    """
    path = private_dir(home) / DEVELOPMENT_KEY_FILE
    if not path.exists():
        fd, name = tempfile.mkstemp(prefix=f".{DEVELOPMENT_KEY_FILE}.", suffix=".tmp",
                                    dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp made it 0600
                handle.write((secrets.token_hex(32) + "\n").encode("ascii"))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(name, path)
        finally:
            Path(name).unlink(missing_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE:
        os.chmod(path, PRIVATE)
    return _as_key(path.read_text(encoding="utf-8"),
                   f"GEO_ERA_HOME/{DEVELOPMENT_KEY_FILE} (the development audit key)")


def bind_audit_key(engine: Engine, key: SecretStr | SecretBytes) -> None:
    """Let ``engine``'s audit chain be keyed with ``key`` (a configured key is checked
    for length here too)."""
    _KEYS[engine] = (_as_key(key.get_secret_value(), "GEO_ERA_AUDIT_KEY")
                     if isinstance(key, SecretStr) else key)


def audit_key(bind: Engine | Connection) -> SecretBytes:
    """The audit key of the store ``bind`` (an engine, or one of its connections)."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = _KEYS.get(engine)
    if key is None:
        raise ConfigurationError("the case store was opened without its audit key; open "
                                 "it with geo_era.db.store.open_store")
    return key
