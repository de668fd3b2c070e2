"""Article bodies, kept out of the site model.

The HTML of 10,000 bodies is most of what a build would hold in memory, and
few pages need one: an article's own page and the feeds. So each body is
stored once, under its key (see content.Body), when the article is parsed,
and read back by whatever renders it, in whichever worker process that is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


class BodyMissing(KeyError):
    """A body is not in the store, or its file does not match its checksum."""


def _check(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class MemoryBodies:
    """Bodies in a dict: for small sites and for `check`, which reads them all anyway."""

    def __init__(self) -> None:
        self.bodies: dict[bytes, str] = {}

    def put(self, key: bytes, html: str) -> None:
        self.bodies[key] = html

    def get(self, key: bytes) -> str:
        try:
            return self.bodies[key]
        except KeyError:
            raise BodyMissing(key) from None

    def has(self, key: bytes) -> bool:
        return key in self.bodies

    def keep_only(self, keys: set[bytes]) -> None:
        for key in self.bodies.keys() - keys:
            del self.bodies[key]


class FolderBodies:
    """One file per body in a folder (the build cache's `bodies/`), written
    atomically by the process that parsed the article, so worker processes
    share them without sending any through a pipe. Each file starts with a
    checksum of the rest; a missing or damaged file raises BodyMissing (and
    the build starts again without its cache), it is never used."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: bytes) -> str:
        name = key.hex()
        return os.path.join(self.folder, name[:2], name)  # 256 folders: two workers rarely wait on one

    def put(self, key: bytes, html: str) -> None:
        # A key names one content: a body already stored is not written again (nor
        # cut short by a second build writing it). No temporary file and rename
        # either: a file cut short by a crash fails its checksum when it is read.
        path = self._path(key)
        data = html.encode("utf-8", "surrogatepass")
        try:
            try:
                handle = open(path, "xb")
            except FileNotFoundError:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                handle = open(path, "xb")
        except FileExistsError:
            return
        with handle:
            handle.write(_check(data) + data)

    def get(self, key: bytes) -> str:
        try:
            with open(self._path(key), "rb") as handle:
                data = handle.read()
        except OSError:
            raise BodyMissing(key) from None
        if _check(data[16:]) != data[:16]:
            raise BodyMissing(key)
        return data[16:].decode("utf-8", "surrogatepass")

    def has(self, key: bytes) -> bool:
        return os.path.exists(self._path(key))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to do: the cache keeps its bodies (see TemporaryBodies)."""

    def keep_only(self, keys: set[bytes]) -> None:
        """Remove the bodies of articles that no longer exist (and stray temporary files)."""
        wanted = {key.hex() for key in keys}
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


class TemporaryBodies(FolderBodies):
    """A FolderBodies that is removed when the build ends (builds without a cache)."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="healthhub-bodies-")))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


BodyStore = MemoryBodies | FolderBodies
