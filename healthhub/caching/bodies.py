"""Article bodies, kept out of the site model.

The HTML of 10,000 bodies is most of what a build would hold in memory, and
few pages need one: an article's own page and the feeds. So each body is
stored once, under its key (see model.Body), when the article is parsed,
and read back by whatever renders it, in whichever process that is: in the
cache's SQLite file (see cache.py), or in a temporary one for a build without
a cache.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Callable, Iterable


class BodyMissing(KeyError):
    """A body is not in the store, or does not match its checksum."""


class MemoryBodies:
    """Bodies in a dict: for small sites, and for parse workers, which send them back."""

    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}

    def put(self, key: bytes, html: str) -> str:
        """Store a body; the answer is where it is (model.Body.where)."""
        where = key.hex()
        self.bodies[where] = html
        return where

    def get(self, where: str) -> str:
        try:
            return self.bodies[where]
        except KeyError:
            raise BodyMissing(where) from None

    def keep_only(self, wheres: Iterable[str]) -> None:
        wanted = set(wheres)
        self.bodies = {where: html for where, html in self.bodies.items() if where in wanted}

    def drop(self, wheres: Iterable[str]) -> None:
        for where in wheres:
            self.bodies.pop(where, None)

    def flush(self) -> None:
        """Nothing to do: see StoredBodies.flush."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        pass


class StoredBodies:
    """Bodies in the `bodies` table of a cache.Store, each with a checksum over its
    key and its bytes: a body read back for another article, cut short or changed
    fails it and raises BodyMissing (the build then starts again without its
    cache), it is never used."""

    def __init__(self, store, written: Callable | None = None) -> None:
        self.store = store  # a cache.Store
        self._written = written  # the cache's guarded write (turns a failing disk into a warning)
        self.spilled = MemoryBodies()  # bodies put after the cache failed: this build still needs them

    def put(self, key: bytes, html: str) -> str:
        data = html.encode("utf-8", "surrogatepass")
        if self._written is None:
            self.store.put_body(key, data)
        elif not self._written(lambda connection: self.store.put_body(key, data)):
            return "memory:" + self.spilled.put(key, html)
        return key.hex()

    def get(self, where: str) -> str:
        if where.startswith("memory:"):
            return self.spilled.get(where[7:])
        try:
            data = self.store.get_body(bytes.fromhex(where))
        except (ValueError, OSError, sqlite3.Error, Exception) as exc:
            raise BodyMissing(where) from exc
        if data is None:
            raise BodyMissing(where)
        return data.decode("utf-8", "surrogatepass")

    def keep_only(self, wheres: Iterable[str]) -> None:
        """Remove the bodies of articles that are gone or changed."""
        keys = [bytes.fromhex(where) for where in wheres if not where.startswith("memory:")]
        if self._written is not None:
            self._written(lambda connection: self.store.keep_bodies(keys))
        else:
            self.store.keep_bodies(keys)

    def drop(self, wheres: Iterable[str]) -> None:
        """Remove these bodies (of articles changed since they were put), not sweeping
        the table as keep_only does."""
        keys = [bytes.fromhex(where) for where in wheres if not where.startswith("memory:")]
        if not keys:
            return
        if self._written is not None:
            self._written(lambda connection: self.store.drop_bodies(keys))
        else:
            self.store.drop_bodies(keys)

    def flush(self) -> None:
        """Commit what was put, so that other processes (render workers) can read it."""
        self.store.commit()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to do: the cache keeps its bodies (see TemporaryBodies)."""


class TemporaryBodies(StoredBodies):
    """Bodies in a SQLite file that is removed when the build ends (builds without a cache, `check`)."""

    def __init__(self) -> None:
        from .cache import Store

        self.folder = Path(tempfile.mkdtemp(prefix="healthhub-bodies-"))
        super().__init__(Store(self.folder / "bodies.sqlite"))

    def close(self) -> None:
        self.store.close(commit=False)
        shutil.rmtree(self.folder, ignore_errors=True)


BodyStore = MemoryBodies | StoredBodies
