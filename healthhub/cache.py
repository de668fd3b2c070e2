"""The build cache in `.healthhub-cache/`: checked files, never trusted blindly.

Each cache file starts with a header (magic, HealthHub version, length and a
BLAKE2 checksum of the payload). A file that is missing, truncated, corrupt or
written by another HealthHub version reads as empty, so the build simply does
more work; it never uses bytes it cannot verify.

Stores (one file each, rewritten atomically after a successful build):
- `sources`: per article file its stat signature and content digest, and per
  content digest the parsed Article with its diagnostics;
- `pages`: per output page what it read while rendering and the hash of its
  bytes (see tracking.py);
- `manifest`: per output folder, every file in it with size, mtime and hash,
  so unchanged files need not be read to be compared.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__

MAGIC = b"HHCACHE\x01"
DEFAULT_DIR_NAME = ".healthhub-cache"


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def code_version() -> bytes:
    """HealthHub's version and a digest of its own source, so a changed generator
    (even an unreleased edit) never reuses what an older one cached."""
    package = Path(__file__).parent
    parts = [__version__.encode()]
    for path in sorted(package.glob("*.py")):
        parts.append(path.name.encode() + b"\0" + path.read_bytes())
    return digest(b"\0".join(parts))


def _header(payload: bytes) -> bytes:
    version = __version__.encode()
    return MAGIC + len(version).to_bytes(1, "big") + version + len(payload).to_bytes(8, "big") + digest(payload)


def load(path: Path) -> object | None:
    """The object stored at path, or None when it is absent or cannot be verified."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload_start = len(_header(b""))
    expected = _header(data[payload_start:])
    if len(data) < payload_start or data[:payload_start] != expected:
        return None
    try:
        return pickle.loads(data[payload_start:])
    except Exception:  # a checksum collision or an unpicklable class: rebuild
        return None


def store(path: Path, value: object) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of it."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_header(payload))
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Cache:
    """The cache folder; `None` as folder gives a cache that remembers nothing."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# HealthHub build cache: safe to delete\n*\n", encoding="utf-8")

    def load(self, name: str) -> dict:
        if self.folder is None:
            return {}
        value = load(self.folder / name)
        return value if isinstance(value, dict) else {}

    def store(self, name: str, value: dict) -> None:
        if self.folder is not None:
            store(self.folder / name, value)
