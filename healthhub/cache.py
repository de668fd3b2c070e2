"""The build cache in `.healthhub-cache/`: checked files, never trusted blindly.

Each cache file holds plain data (marshal) and starts with a header (magic, HealthHub version, length and a
BLAKE2 checksum of the payload). A file that is missing, truncated, corrupt or
written by another HealthHub version reads as empty, so the build simply does
more work; it never uses bytes it cannot verify.

Stores (one file each, rewritten atomically after a successful build):
- `sources`: per article file its stat signature and content digest, and per
  content digest the parsed Article with its diagnostics;
- `bodies/`: the HTML body of each parsed article, one checked file each
  (see bodies.py);
- `pages`: per output page the fingerprint of its inputs, the parts of the
  site it read and the hash of its bytes (see incremental.py);
- `manifest`: per output folder, every file in it with size, mtime and hash,
  so unchanged files need not be read to be compared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import marshal
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import jinja2
import jinja2.bccache

from . import __version__
from .bodies import FolderBodies

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
        return marshal.loads(data[payload_start:])
    except Exception:  # cannot happen with a matching checksum, but never trust it
        return None


def store(path: Path, value: object) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of it.

    The value must be plain data (see to_plain): marshal reads it many times
    faster than pickle reads objects, and cannot run code."""
    payload = marshal.dumps(value)
    store_bytes(path, _header(payload) + payload)


def store_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- plain data ------------------------------------------------------------------
# Dataclass instances (Article, Heading, Diagnostic and whatever fields are
# added later) become tagged tuples of their fields, dates their ordinals.

_DATACLASS, _DATE, _TUPLE = "\0dc", "\0date", "\0tuple"


class NotPlain(TypeError):
    pass


_PASS = frozenset({str, int, float, bool, bytes, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a cache of dataclasses.fields, per class


def to_plain(value):
    kind = type(value)
    if kind in _PASS:
        return value
    if kind is tuple:
        items = tuple(to_plain(item) for item in value)
        return (_TUPLE,) + items if items and type(items[0]) is str and items[0].startswith("\0") else items
    if kind is list:
        return [to_plain(item) for item in value]
    if kind is dt.date:
        return (_DATE, value.toordinal())
    if kind is dict:
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
        return (_DATACLASS, f"{kind.__module__}:{kind.__qualname__}", names,
                tuple([to_plain(getattr(value, name)) for name in names]))
    if kind in (frozenset, set):
        return kind(to_plain(item) for item in value)
    raise NotPlain(f"cannot cache a {kind.__name__}")


def from_plain(value, _classes: dict | None = None):
    kind = type(value)
    if kind in _PASS:
        return value
    if kind is tuple:
        if value and type(value[0]) is str and value[0].startswith("\0"):
            tag = value[0]
            if tag == _DATACLASS:
                return _make(value[1], value[2],
                             [v if type(v) in _PASS else from_plain(v, _classes) for v in value[3]], _classes)
            if tag == _DATE:
                return dt.date.fromordinal(value[1])
            if tag == _TUPLE:
                return tuple([v if type(v) in _PASS else from_plain(v, _classes) for v in value[1:]])
        return tuple([v if type(v) in _PASS else from_plain(v, _classes) for v in value])
    if kind is list:
        return [from_plain(item, _classes) for item in value]
    if kind is dict:
        return {from_plain(k, _classes): from_plain(v, _classes) for k, v in value.items()}
    return value


def _make(name: str, names: tuple, values: list, classes: dict | None):
    found = classes.get(name) if classes is not None else None
    if found is None or (found[1] is not names and found[1] != names):
        module, _, qualname = name.partition(":")
        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not dataclasses.is_dataclass(cls) or tuple(f.name for f in dataclasses.fields(cls)) != names:
            raise NotPlain(f"{name} changed shape")
        found = (cls, names, hasattr(cls, "__slots__"))
        if classes is not None:
            classes[name] = found
    cls, _, slots = found
    if slots:
        return cls(**dict(zip(names, values)))
    obj = object.__new__(cls)  # a frozen dataclass, restored without running __init__ again
    obj.__dict__.update(zip(names, values))
    return obj


SHARDS = 32


def shard_of(key) -> int:
    if type(key) is bytes and len(key) == 16:  # already a digest
        return key[0] % SHARDS
    return zlib.crc32(repr(key).encode("utf-8", "surrogatepass")) % SHARDS


class CheckedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in the cache folder, each file checked before it
    is loaded: compiled code is never read from bytes that fail their checksum
    (changed bytes in a plain FileSystemBytecodeCache crash the interpreter).

    Worth keeping: compiling the default theme's templates takes about 0.8 s,
    loading them from here about 0.05 s (benchmarks/templates.py), and every
    build that renders a page pays it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    @staticmethod
    def _check(bucket: jinja2.bccache.Bucket, payload: bytes) -> bytes:
        return digest(bucket.key.encode() + b"\0" + bucket.checksum.encode() + b"\0" + payload)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        if len(data) < 16 or self._check(bucket, data[16:]) != data[:16]:
            return  # damaged, or another template's: compiled again from the source
        try:
            bucket.bytecode_from_string(data[16:])
        except Exception:  # cannot happen with a matching checksum, but never trust it
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        try:
            store_bytes(self._path(bucket), self._check(bucket, payload) + payload)
        except OSError:
            pass  # compiled again next time


class Cache:
    """The cache folder; `None` as folder gives a cache that remembers nothing.

    A cache folder that cannot be used (a file is in its place, no permission,
    a read-only disk) gives a cache that remembers nothing either, with the
    reason in `problem`; so does one that fails while it is written (after
    which nothing in it vouches for the output folder). The build then works
    from the sources and says so once."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.damaged: set[str] = set()
        self.problem: OSError | None = None
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                ignore = folder / ".gitignore"
                if not ignore.is_file():
                    ignore.write_text("# HealthHub build cache: safe to delete\n*\n", encoding="utf-8")
                (folder / "bodies").mkdir(exist_ok=True)
                for place in (folder, folder / "bodies"):  # may files be made, read and removed there?
                    fd, probe = tempfile.mkstemp(prefix=".probe-", dir=place)
                    os.close(fd)
                    os.unlink(probe)
                    os.listdir(place)
            except OSError as exc:
                self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        if self.problem is None:
            self.problem = exc
        if self.folder is not None:
            for name in ("summary", "manifest"):  # vouch for nothing
                try:
                    os.unlink(self.folder / name)
                except OSError:
                    pass
        self.folder = None

    def bodies(self) -> FolderBodies | None:
        """The store of article bodies (see bodies.py), or None without a cache folder."""
        if self.folder is None:
            return None
        try:
            return FolderBodies(self.folder / "bodies")
        except OSError as exc:
            self._give_up(exc)
            return None

    def compiled_templates(self) -> CheckedBytecodeCache | None:
        """Where Jinja keeps compiled templates: a folder per HealthHub code version
        (Jinja checks a template's source, not the options it was compiled with)."""
        if self.folder is None:
            return None
        root = self.folder / "templates"
        current = root / code_version().hex()[:16]
        try:
            if root.is_dir():
                for old in root.iterdir():
                    if old != current:
                        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
            current.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # compiled from the sources
        return CheckedBytecodeCache(current)

    def clear(self) -> bool:
        """Forget everything (the next build starts from the sources); False when
        that could not be done (then do not use the folder)."""
        if self.folder is None:
            return True
        try:
            for path in self.folder.iterdir():
                if path.name != ".gitignore":
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        except OSError:
            return False
        return True

    def load(self, name: str) -> dict:
        if self.folder is None:
            return {}
        path = self.folder / name
        value = load(path)
        if not isinstance(value, dict):
            if os.path.lexists(path):
                self.damaged.add(name)  # rewritten by the next update, even with nothing in it
            return {}
        return value

    def load_shards(self, name: str) -> dict:
        """A store kept in SHARDS files (by the first byte of each key's digest), so
        a small change rewrites a small file. Values are dicts of such keys."""
        merged: dict = {"shards": {}}
        for index in range(SHARDS):
            part = self.load(f"{name}.{index:02x}")
            merged["shards"][index] = part
            for field, values in part.items():
                merged.setdefault(field, {}).update(values)
        return merged

    def update_shards(self, name: str, old: dict, new: dict) -> None:
        parts: dict[int, dict] = {index: {} for index in range(SHARDS)}
        for field, values in new.items():
            for key, value in values.items():
                parts[shard_of(key)].setdefault(field, {})[key] = value
        for index, part in parts.items():
            self.update(f"{name}.{index:02x}", old.get("shards", {}).get(index, {}), part)

    def update(self, name: str, old: dict, new: dict) -> None:
        """Store `new` unless it equals what was loaded (a no-change build writes nothing)."""
        if new != old or name in self.damaged:
            self.damaged.discard(name)
            self.store(name, new)

    def store(self, name: str, value: dict) -> None:
        if self.folder is not None:
            try:
                store(self.folder / name, value)
            except OSError as exc:
                self._give_up(exc)
