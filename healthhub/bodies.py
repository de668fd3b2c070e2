"""Article bodies, kept out of the site model.

The HTML of 10,000 bodies is most of what a build would hold in memory, and
few pages need one: an article's own page and the feeds. So each body is
stored once, under its key (see content.Body), when the article is parsed,
and read back by whatever renders it, in whichever worker process that is.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path


class BodyMissing(KeyError):
    """A body is not in the store, or its file does not match its checksum."""


def _check(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class MemoryBodies:
    """Bodies in a dict: for small sites and for `check`, which reads them all anyway."""

    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}

    def put(self, key: bytes, html: str) -> str:
        """Store a body; the answer is where it is (content.Body.where)."""
        where = key.hex()
        self.bodies[where] = html
        return where

    def get(self, where: str) -> str:
        try:
            return self.bodies[where]
        except KeyError:
            raise BodyMissing(where) from None

    @contextlib.contextmanager
    def batch(self):
        yield

    def keep_only(self, wheres: set[str]) -> None:
        for where in self.bodies.keys() - wheres:
            del self.bodies[where]


class FolderBodies:
    """Bodies in files in a folder (the build cache's `bodies/`), written by the
    process that parsed the articles, so worker processes share them without
    sending any through a pipe. A worker writes the bodies of one batch of
    articles into one file (creating a file costs more than writing one); a
    body parsed on its own gets a file named by its key. Each body is stored
    with a checksum; a missing or damaged one raises BodyMissing (and the build
    starts again without its cache), it is never used."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._batch: tuple[str, list[bytes], list[int]] | None = None  # file name, parts, size so far
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name[:2], name)  # 256 folders

    def put(self, key: bytes, html: str) -> str:
        """Store a body; the answer is where it is: 'file:offset:length:key'.

        The checksum covers the key (a digest of the article's path and bytes)
        with the body, so a body read back for another article (files swapped
        or renamed in the cache) fails it: never one article's text under
        another's title."""
        data = html.encode("utf-8", "surrogatepass")
        blob = _check(key + data) + data
        if self._batch is not None:
            name, parts, size = self._batch
            parts.append(blob)
            size[0] += len(blob)
            return f"{name}:{size[0] - len(blob)}:{len(blob)}:{key.hex()}"
        name = key.hex()  # a key names one content: a body already stored is not written again
        self._write(name, blob, exclusive=True)
        return f"{name}:0:{len(blob)}:{key.hex()}"

    @contextlib.contextmanager
    def batch(self):
        """Bodies put meanwhile go into one new file, written when the batch ends."""
        name = hashlib.blake2b(f"{os.getpid()}:{time.time_ns()}:{id(self)}".encode(), digest_size=16).hexdigest()
        self._batch = (name + "-b", [], [0])
        try:
            yield
            name, parts, _ = self._batch
            if parts:
                self._write(name, b"".join(parts), exclusive=False)
        finally:
            self._batch = None

    def _write(self, name: str, data: bytes, exclusive: bool) -> None:
        # No temporary file and rename: a file cut short by a crash fails its checksums.
        path = self._path(name)
        mode = "xb" if exclusive else "wb"
        try:
            try:
                handle = open(path, mode)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                handle = open(path, mode)
        except FileExistsError:
            return
        with handle:
            handle.write(data)

    def get(self, where: str) -> str:
        try:
            name, offset, length, key = where.split(":")
            with open(self._path(name), "rb") as handle:
                handle.seek(int(offset))
                blob = handle.read(int(length))
            bound = bytes.fromhex(key)
        except (OSError, ValueError):
            raise BodyMissing(where) from None
        if len(blob) < 16 or _check(bound + blob[16:]) != blob[:16]:
            raise BodyMissing(where)
        return blob[16:].decode("utf-8", "surrogatepass")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to do: the cache keeps its bodies (see TemporaryBodies)."""

    def keep_only(self, wheres: set[str]) -> None:
        """Remove the files that hold no body of a current article (and stray files)."""
        wanted = {where.partition(":")[0] for where in wheres}
        try:
            with os.scandir(self.folder) as folders:
                for folder in folders:
                    if not folder.is_dir(follow_symlinks=False):
                        os.unlink(folder.path)  # not a body folder (an older layout): never read
                        continue
                    with os.scandir(folder.path) as entries:
                        for entry in entries:
                            if entry.name not in wanted:
                                try:
                                    os.unlink(entry.path)
                                except OSError:
                                    pass
        except OSError:
            pass  # what is left is never read unchecked: removed by a later build


class TemporaryBodies(FolderBodies):
    """A FolderBodies that is removed when the build ends (builds without a cache)."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="healthhub-bodies-")))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


BodyStore = MemoryBodies | FolderBodies
