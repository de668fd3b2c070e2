"""The build cache: one SQLite file in `.healthhub-cache/`, never trusted blindly.

`cache.sqlite` holds named records in named tables:
- `files`: per article file its stat signature (size, mtime, inode, ctime),
  the digest of its bytes and the snippets it includes (see sources.py);
- `articles`: per parse key the parsed article, its body's facts and its
  diagnostics, a record with named fields (see records.article_record);
- `bodies`: the HTML body of each parsed article, by its key;
- `pages`: per output page the fingerprint of its inputs, the parts of the
  site it read and the hash of its bytes (see incremental.py);
- `named`: plain values stored by name with `store`/`update` and read with
  `load` (the manifest of the output folder, the build's summary, `check`'s
  answers...).

Integrity: SQLite's own (journal, page structure) plus a BLAKE2 checksum per
blob row, so a flipped byte inside a record is caught too, and a key holding
HealthHub's code version (a digest of its own source). A file that SQLite
cannot read, that fails a check or that another HealthHub wrote is removed
and started again: the build does more work, it never uses what it cannot
verify. Compiled templates stay files (Jinja's bytecode cache interface),
each checked the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import functools
import hashlib
import importlib
import itertools
import marshal
import operator
import os
import secrets
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple

from .. import __version__

if TYPE_CHECKING:
    from .templates import CheckedBytecodeCache

DEFAULT_DIR_NAME = ".healthhub-cache"
DATABASE = "cache.sqlite"
SCHEMA = 1  # raise when a table changes: an older file is then started again


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@functools.cache
def code_version() -> bytes:
    """HealthHub's version and a digest of its own source, so a changed generator
    (even an unreleased edit) never reuses what an older one cached. Read once per
    process: the code that runs is the code imported when it started (a live
    preview keeps running it after its files are edited), and reading every
    module again took 20 ms in each of a build's five uses."""
    package = Path(__file__).parent.parent  # healthhub/, with its subpackages
    parts = [__version__.encode(), str(SCHEMA).encode()]
    for path in sorted(package.rglob("*.py")):
        parts.append(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest(b"\0".join(parts))


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


# --- the store ---------------------------------------------------------------------

_TABLES = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE named(name TEXT PRIMARY KEY, value BLOB NOT NULL, checksum BLOB NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                   inode INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, content BLOB NOT NULL,
                   snippets TEXT NOT NULL, checksum BLOB NOT NULL);
CREATE TABLE articles(key BLOB PRIMARY KEY, record BLOB NOT NULL, checksum BLOB NOT NULL);
CREATE TABLE bodies(key BLOB PRIMARY KEY, html BLOB NOT NULL, checksum BLOB NOT NULL);
CREATE TABLE pages(path TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, parts BLOB NOT NULL, hash BLOB NOT NULL);
"""

# SQLite's result codes as the errno a user's fix depends on (see build.cache_warning).
_ERRNO = {13: errno.ENOSPC, 8: errno.EROFS, 3: errno.EACCES, 14: errno.EACCES, 23: errno.EACCES, 10: errno.EIO,
          5: errno.EBUSY, 6: errno.EBUSY}


def as_os_error(exc: sqlite3.Error) -> OSError:
    code = getattr(exc, "sqlite_errorcode", None)
    number = _ERRNO.get(code & 0xFF if code is not None else -1, errno.EIO)
    return OSError(number, os.strerror(number) if number != errno.EIO else str(exc))


class StoreDamaged(Exception):
    """The database cannot be read or verified (its tables are started again)."""


class FileRecord(NamedTuple):
    """What the last build knew of an article file, by its stat signature."""

    signature: tuple[int, int, int, int]  # size, mtime_ns, inode, ctime_ns
    content: bytes  # digest of its bytes
    snippets: tuple[str, ...]  # the snippets it includes directly


class PageRecord(NamedTuple):
    """What the last build wrote for an output page."""

    fingerprint: bytes  # of its inputs (see incremental.py)
    parts: tuple[tuple[str, bytes], ...]  # the parts of the site it read, with their digests
    hash: bytes  # of the bytes written


class Store:
    """One SQLite file. Each process opens its own connection (forked render workers
    read bodies through theirs). Writes collect in one transaction until commit()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._pid = 0  # the process that opened _connection
        self._owner = os.getpid()  # only the build's own process starts a damaged file again
        self.removed = 0  # how often the file was removed (started again) through this object

    def connection(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            self._connection = self._open(reset_if_untrusted=os.getpid() == self._owner)
            self._pid = os.getpid()
        return self._connection

    def _open(self, reset_if_untrusted: bool) -> sqlite3.Connection:
        if os.path.lexists(self.path) and not self.path.is_file():
            raise OSError(errno.EEXIST, "File exists")
        try:
            connection = self._connect()
            if self._trusted(connection):
                return connection
            connection.close()
        except (sqlite3.DatabaseError, UnicodeDecodeError):  # damaged text reads as bytes that are not UTF-8
            pass
        if not reset_if_untrusted:
            raise StoreDamaged(str(self.path))
        self.remove()
        connection = self._connect()
        with connection:
            connection.executescript(_TABLES)
            connection.execute("INSERT INTO meta VALUES ('code', ?)", (code_version(),))
        return connection

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        # WAL: readers (render workers) never wait for the writer; NORMAL: a commit
        # is not synced to disk, a power cut can lose the last build's writes (then
        # SQLite's WAL checksums drop them) but not damage what came before.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    @staticmethod
    def _trusted(connection: sqlite3.Connection) -> bool:
        try:
            row = connection.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
        except (sqlite3.DatabaseError, UnicodeDecodeError):  # damaged text reads as bytes that are not UTF-8
            return False
        return row is not None and row[0] == code_version()

    def remove(self) -> None:
        """Delete the file (and SQLite's files next to it)."""
        self.removed += 1
        self.close(commit=False)
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def write(self) -> sqlite3.Connection:
        """The connection, inside this build's write transaction."""
        connection = self.connection()
        if not connection.in_transaction:
            connection.execute("BEGIN IMMEDIATE")
        return connection

    def commit(self) -> None:
        connection = self._connection
        if connection is not None and self._pid == os.getpid() and connection.in_transaction:
            connection.execute("COMMIT")

    def close(self, commit: bool = True) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():  # never a connection of another process
            try:
                if commit and connection.in_transaction:
                    connection.execute("COMMIT")
            finally:
                connection.close()

    # bodies (see bodies.StoredBodies)

    def put_body(self, key: bytes, html: bytes) -> None:
        self.write().execute("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", (key, html, digest(key + html)))

    def get_body(self, key: bytes) -> bytes | None:
        """The body stored under key, None when it is missing or fails its checksum."""
        row = self.connection().execute("SELECT html, checksum FROM bodies WHERE key = ?", (key,)).fetchone()
        if row is None or digest(key + row[0]) != row[1]:
            return None
        return row[0]

    def drop_bodies(self, keys: Iterable[bytes]) -> None:
        self.write().executemany("DELETE FROM bodies WHERE key = ?", [(key,) for key in keys])

    def keep_bodies(self, keys: Iterable[bytes]) -> None:
        """Delete every body whose key is not in `keys`. The keys are read from the
        table's index and compared here: 10 ms at 10,000 bodies, where a temporary
        table of the wanted keys took 0.1 s of each build that parsed an article."""
        wanted = set(keys)
        connection = self.write()
        gone = [row for row in connection.execute("SELECT key FROM bodies") if row[0] not in wanted]
        connection.executemany("DELETE FROM bodies WHERE key = ?", gone)


class Cache:
    """The cache folder; `None` as folder gives a cache that remembers nothing.

    A cache folder that cannot be used (a file is in its place, no permission,
    a read-only disk) gives a cache that remembers nothing either, with the
    reason in `problem`; so does one that fails while it is written (after
    which nothing in it vouches for the output folder). The build then works
    from the sources and says so once.

    Reads answer "nothing known" for whatever cannot be read or verified; a
    database SQLite finds damaged is started again at the next write. Writes
    collect in one transaction, committed by commit() (or at once outside a
    `with cache.transaction():`)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.problem: OSError | None = None
        self.db: Store | None = None
        self._depth = 0
        self._damaged = False
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                ignore = folder / ".gitignore"
                if not ignore.is_file():
                    ignore.write_text("# HealthHub build cache: safe to delete\n*\n", encoding="utf-8")
                fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)  # may files be made and removed there?
                os.close(fd)
                os.unlink(probe)
                self.db = Store(folder / DATABASE)
                self.db.connection()
            except OSError as exc:
                self._give_up(exc)
            except sqlite3.Error as exc:
                self._give_up(as_os_error(exc))

    def _give_up(self, exc: OSError) -> None:
        if self.problem is None:
            self.problem = exc
        if self.db is not None:
            try:  # vouch for nothing
                self.db.remove()
            except (OSError, sqlite3.Error):
                pass
        self.db = None
        self.folder = None

    # reading: anything unreadable is "not known"

    def _read(self, query: str, args: tuple = ()) -> list:
        if self.db is None or self._damaged:
            return []
        try:
            return self.db.connection().execute(query, args).fetchall()
        except (sqlite3.DatabaseError, UnicodeDecodeError, StoreDamaged, OSError):
            self._damaged = True  # started again at the next write
            return []

    def _write(self) -> sqlite3.Connection | None:
        if self.db is None:
            return None
        try:
            if self._damaged:
                self._damaged = False
                self.db.remove()
            return self.db.write()
        except OSError as exc:
            self._give_up(exc)
        except sqlite3.Error as exc:
            self._give_up(as_os_error(exc))
        return None

    @contextlib.contextmanager
    def transaction(self):
        """Writes made inside are committed together when it ends."""
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.commit()

    def commit(self) -> None:
        if self.db is not None:
            try:
                self.db.commit()
            except sqlite3.Error as exc:
                self._give_up(as_os_error(exc))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Commit and close the file (it is opened again when used)."""
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error as exc:
                self._give_up(as_os_error(exc))

    def _written(self, do) -> bool:
        """Run a write; False when the cache failed (and gave up) instead."""
        connection = self._write()
        if connection is None:
            return False
        try:
            do(connection)
            if self._depth == 0:
                self.db.commit()
            return True
        except sqlite3.Error as exc:
            self._give_up(as_os_error(exc))
        except OSError as exc:
            self._give_up(exc)
        return False

    def resets(self) -> int:
        """How often the database was started again since this Cache opened it (-1: not in use)."""
        return self.db.removed if self.db is not None and self.problem is None else -1

    # named values

    def load(self, name: str) -> dict:
        """The plain value stored under name, {} when there is none or it fails its checksum."""
        rows = self._read("SELECT value, checksum FROM named WHERE name = ?", (name,))
        return _named_value(name, rows[0] if rows else None)

    def store(self, name: str, value: dict) -> None:
        """Store plain data (see to_plain): marshal reads it many times faster than
        pickle reads objects, and cannot run code. Version 2, which shares no repeated
        objects: versions 3 and 4 look up every object held elsewhere too in a table
        as they write it, which made the output folder's manifest at 10,000 articles
        (1 MB) take 19-23 ms to write each build instead of 8, and 12 to read instead of 9."""
        data = marshal.dumps(value, 2)
        self._written(lambda c: c.execute("INSERT OR REPLACE INTO named VALUES (?, ?, ?)",
                                          (name, data, digest(name.encode() + b"\0" + data))))

    def update(self, name: str, old: dict, new: dict) -> None:
        """Store `new` unless it equals what was loaded (a no-change build writes nothing)."""
        if new != old:
            self.store(name, new)

    # the output folder's manifest (see ManifestBase)

    def load_manifest(self) -> dict:
        """The manifest the last build stored: {"out": the folder, "files": rel ->
        (size, mtime_ns, inode, hash or None), "base": what store_manifest builds on};
        {} when it is missing, fails its checksum or its parts do not belong together."""
        return manifest_from(self.load(MANIFEST), self.load(MANIFEST_CHANGES))

    def store_manifest(self, old: dict, out: str, files: dict) -> dict:
        """Store this build's manifest, given the one loaded before (`old`); returns it
        as load_manifest would give it back. The changes since the stored base only,
        while they are few: most rebuilds write one page, and the whole manifest at
        10,000 articles (1.3 MB) took 14-25 ms of each save to store."""
        base = old.get("base")
        if type(base) is ManifestBase and base.out == out:
            # the entries that are not the base's very objects, then those that differ
            keys = list(files)
            others = itertools.compress(keys, map(operator.is_not, map(base.files.get, keys), files.values()))
            changes: dict = {rel: files[rel] for rel in others if base.files.get(rel) != files[rel]}
            changes.update(dict.fromkeys(base.files.keys() - files.keys()))  # None: removed
            if len(changes) <= MAX_CHANGES:
                if changes != base.changes:
                    self.store(MANIFEST_CHANGES, {"base": base.id, "files": changes})
                return {"out": out, "files": files, "base": ManifestBase(base.id, out, base.files, changes)}
        base = ManifestBase(secrets.token_bytes(8), out, files, {})
        self.store(MANIFEST, {"id": base.id, "out": out, "files": files})
        self.store(MANIFEST_CHANGES, {"base": base.id, "files": {}})
        return {"out": out, "files": files, "base": base}

    # article files and parsed articles (see sources.py)

    def load_files(self) -> dict[str, FileRecord]:
        files = {}
        for path, size, mtime, inode, ctime, content, snippets, checksum in self._read("SELECT * FROM files"):
            row = (path, size, mtime, inode, ctime, content, snippets)
            if _row_checksum(row) == checksum:  # a damaged snippet list would key the article wrongly
                files[path] = FileRecord((size, mtime, inode, ctime), content,
                                         tuple(snippets.split("\0")) if snippets else ())
        return files

    def load_articles(self) -> dict[bytes, bytes]:
        """Parse key -> the record (see records.article_record), each verified by its checksum."""
        return {key: record for key, record, checksum in self._read("SELECT * FROM articles")
                if digest(key + record) == checksum}

    def update_sources(self, old_files: dict[str, FileRecord], new_files: dict[str, FileRecord],
                       old_articles: Iterable[bytes], new_articles: dict[bytes, bytes]) -> None:
        """Write the rows that changed and delete the ones that went."""
        gone_files = [(path,) for path in old_files.keys() - new_files.keys()]
        changed_files = [(*row, _row_checksum(row)) for row in (
            (path, *record.signature, record.content, "\0".join(record.snippets))
            for path, record in new_files.items() if old_files.get(path) != record)]
        old_keys = set(old_articles)
        gone = [(key,) for key in old_keys - new_articles.keys()]
        added = [(key, record, digest(key + record)) for key, record in new_articles.items() if key not in old_keys]
        if not (gone_files or changed_files or gone or added):
            return

        def do(c: sqlite3.Connection) -> None:
            c.executemany("DELETE FROM files WHERE path = ?", gone_files)
            c.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", changed_files)
            c.executemany("DELETE FROM articles WHERE key = ?", gone)
            c.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?)", added)
        self._written(do)

    # output pages (see incremental.py)

    def load_pages(self) -> dict[str, PageRecord]:
        """No checksum here: a damaged fingerprint, part or hash cannot match the
        page's inputs and output, so the page is rendered again."""
        pages = {}
        for path, fingerprint, parts, hash_ in self._read("SELECT * FROM pages"):
            try:
                pages[path] = PageRecord(fingerprint, marshal.loads(parts), hash_)
            except Exception:  # damaged: rendered again
                pass
        return pages

    def update_pages(self, old: dict[str, PageRecord], new: dict[str, PageRecord]) -> None:
        gone = [(path,) for path in old.keys() - new.keys()]
        changed = [(path, record.fingerprint, marshal.dumps(record.parts), record.hash)
                   for path, record in new.items() if old.get(path) != record]
        if gone or changed:
            def do(c: sqlite3.Connection) -> None:
                c.executemany("DELETE FROM pages WHERE path = ?", gone)
                c.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", changed)
            self._written(do)

    # bodies and compiled templates

    def bodies(self):
        """The store of article bodies (see bodies.py), or None without a cache folder."""
        if self.db is None:
            return None
        from .bodies import StoredBodies
        return StoredBodies(self.db, self._written)

    def compiled_templates(self) -> CheckedBytecodeCache | None:
        """Where Jinja keeps compiled templates: a folder per HealthHub code version
        (Jinja checks a template's source, not the options it was compiled with)."""
        from .templates import CheckedBytecodeCache  # with Jinja: not needed when nothing changed

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
            if self.db is not None:
                self.db.remove()
            for path in self.folder.iterdir():
                if path.name != ".gitignore":
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        except (OSError, sqlite3.Error):
            return False
        return True


def _row_checksum(row: tuple) -> bytes:
    # marshal, not repr: 10,000 rows are checked on every build (marshal of another
    # Python version may differ: the row then fails its check and the file is read again)
    return digest(marshal.dumps(row))


def read_value(folder: Path | None, name: str) -> dict:
    """A named value from a cache folder, opened read-only ({} when there is no
    cache there or it cannot be read or verified)."""
    path = folder / DATABASE if folder is not None else None
    if path is None or not path.is_file():
        return {}
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=60)
        try:
            if not Store._trusted(connection):
                return {}
            row = connection.execute("SELECT value, checksum FROM named WHERE name = ?", (name,)).fetchone()
        finally:
            connection.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return {}
    return _named_value(name, row)


MANIFEST, MANIFEST_CHANGES = "manifest", "manifest changes"
MAX_CHANGES = 512  # manifest entries stored as changes to the base; beyond, a new base


@dataclasses.dataclass(frozen=True, eq=False)
class ManifestBase:
    """The manifest as stored in two named values: a base, written when the output
    folder is another or many of its files changed, and the changes since (entries
    added or changed, None for those removed), written by the builds in between.
    The changes name their base's `id`, so a base and changes that were not stored
    together are never put together. Never changed once made."""

    id: bytes
    out: str
    files: dict  # the base's entries
    changes: dict  # the changes stored with it last


def manifest_from(base: dict, changes: dict) -> dict:
    """load_manifest's answer from the two named values ({} unless they belong together)."""
    files, out, id_ = base.get("files"), base.get("out"), base.get("id")
    if (type(files) is not dict or type(out) is not str or type(id_) is not bytes or changes.get("base") != id_
            or type(changes.get("files")) is not dict):
        return {}
    base_files, merged = files, dict(files)
    for rel, entry in changes["files"].items():
        if entry is None:
            merged.pop(rel, None)
        else:
            merged[rel] = entry
    return {"out": out, "files": merged, "base": ManifestBase(id_, out, base_files, changes["files"])}


def read_manifest(folder: Path | None) -> dict:
    """load_manifest's answer from a cache folder opened read-only (see read_value)."""
    return manifest_from(read_value(folder, MANIFEST), read_value(folder, MANIFEST_CHANGES))


def _named_value(name: str, row: tuple | None) -> dict:
    if row is None or digest(name.encode() + b"\0" + row[0]) != row[1]:
        return {}
    try:
        value = marshal.loads(row[0])
    except Exception:  # cannot happen with a matching checksum, but never trust it
        return {}
    return value if isinstance(value, dict) else {}
