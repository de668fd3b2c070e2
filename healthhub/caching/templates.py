"""Jinja's compiled templates, kept in the cache folder (see Cache.compiled_templates).

A module of its own so that a build in which nothing changed, which only reads the
cache's records, does not import Jinja."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.bccache

from .cache import digest, store_bytes


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
