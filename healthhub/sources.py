"""Read article files through the cache: parse only what is new, in parallel when there is a lot.

An article is looked up by a key made of HealthHub's code version, the
configuration, the path the author sees and a digest of the file's bytes, so
any change to one of them parses the file again. The digest itself is
remembered per file with its size, mtime, inode and ctime (as git does) so
an untouched file is not even read; a file modified in the last seconds
before the cache was written is always read again.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Callable

from .bodies import BodyStore, FolderBodies
from .cache import NotPlain, code_version, digest, from_plain, to_plain
from .config import Config
from .content import (Body, Read, article_from_record, article_record, display_path, is_link, make_converter,
                      read_article)
from .progress import Progress, Ticker
from .snippets import Snippets, includes

TASK_SIZE = 32  # articles per task sent to a worker
PARALLEL_PARSE_MIN = 64  # below this many new files a worker pool costs more than it saves
RACY_SECONDS = 2.0

Result = Read


def source_signatures(sources: list[Path]) -> tuple[tuple, bool]:
    """(path, size, mtime, inode, ctime) of every file, and whether one was modified
    too recently for its signature to prove its content (then it must be read)."""
    now = time.time()
    signatures = []
    racy = False
    for source in sources:
        name = os.fspath(source)
        try:
            st = os.stat(name)
        except OSError:
            signatures.append((name,))
            racy = True
            continue
        signatures.append((name, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))
        racy = racy or now - st.st_mtime_ns / 1e9 <= RACY_SECONDS
    return tuple(signatures), racy


class SourceReader:
    """A `read_articles` for content.load_site that uses and refreshes the cache."""

    def __init__(self, stored: dict, bodies: BodyStore, jobs: int = 1, progress: Progress | None = None,
                 signatures: dict[str, tuple] | None = None):
        self.signatures = signatures or {}  # name -> (size, mtime, inode, ctime) when the caller just took them
        self.progress = progress
        self.bodies = bodies  # where parsed articles' bodies go (and where cached ones already are)
        self.stat_cache: dict[str, tuple] = stored.get("stat", {})
        self.parsed: dict[bytes, object] = stored.get("parsed", {})  # key -> plain (article, diagnostics)
        self.jobs = jobs if isinstance(bodies, FolderBodies) else 1  # workers share bodies through files
        self.reparsed = 0
        self.state: dict = {}

    def __call__(self, sources: list[Path], config: Config, people: dict,
                 snippets: Snippets | None = None) -> list[Result]:
        started = time.time()
        base = code_version() + repr(config).encode() + repr(sorted(people.items())).encode()
        new_stat: dict[str, tuple] = {}
        keys: list[bytes | None] = []
        missing: dict[bytes, tuple[Path, str, bytes]] = {}
        results: dict[bytes, Result] = {}
        plain: dict[bytes, object] = {}
        classes: dict = {}
        failed: dict[int, Result] = {}
        folders: dict[str, str] = {}
        for index, source in enumerate(sources):
            name = os.fspath(source)
            parent = os.path.dirname(name)
            folder = folders.get(parent)
            if folder is None:
                folder = folders[parent] = display_path(source.parent)
            if is_link(source, sources):  # named as display_path names it: where it leads
                display = display_path(source)
            else:
                base_name = os.path.basename(name)
                display = f"{folder}/{base_name}" if folder not in ("", ".") else base_name
            data = None
            try:
                signature = self.signatures.get(name)
                if signature is None:
                    st = os.stat(source)
                    signature = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
                known = self.stat_cache.get(name)
                if known is not None and known[0] == signature and len(known) == 3:
                    content, used = known[1], known[2]
                else:
                    data = source.read_bytes()
                    content = digest(data)
                    used = snippet_names(data)
                if started - signature[1] / 1e9 > RACY_SECONDS:
                    new_stat[name] = (signature, content, used)
            except OSError:
                failed[index] = read_article(source, display, config, make_converter(config), people, self.bodies,
                                             snippets=snippets)
                keys.append(None)
                continue
            key = digest(base + b"\0" + display.encode("utf-8", "surrogateescape") + b"\0" + content
                         + (snippets.digest_of(used) if used and snippets is not None else b""))
            keys.append(key)
            cached = self.parsed.get(key)
            if cached is not None and key not in results:
                try:
                    results[key] = _from_record(cached, classes)
                    plain[key] = cached
                    continue
                except Exception:  # a class changed shape: parse again
                    pass
            if key not in missing and key not in results:
                if data is None:
                    data = source.read_bytes()
                missing[key] = (source, display, data)
        self.reparsed = len(missing)
        ticker = Ticker(self.progress, "Reading articles", len(sources), len(sources) - len(missing))
        for key, result in parse_many(list(missing.items()), config, people, self.bodies, self.jobs,
                                      ticker.advance, snippets).items():
            results[key] = result
            try:
                plain[key] = _to_record(result)
            except NotPlain:
                pass  # parsed again next time
        ticker.finish()
        ordered: list[Result] = []
        for index, key in enumerate(keys):
            ordered.append(failed[index] if key is None else results[key])
        self.state = {"stat": new_stat, "parsed": {key: plain[key] for key in keys if key in plain}}
        return ordered


    def release(self) -> None:
        """Forget the cached data once the site model is built (and the cache updated)."""
        self.stat_cache, self.parsed, self.state = {}, {}, {}


def _to_record(result: Result) -> tuple:
    article, diags, body = result
    return (article_record(article) if article is not None else None,
            (body.key, body.ids, body.links, body.where, body.images) if body is not None else None,
            to_plain(tuple(diags)) if diags else ())


def _from_record(record: tuple, classes: dict) -> Result:
    article, body, diags = record
    return (article_from_record(article) if article is not None else None,
            list(from_plain(diags, classes)) if diags else [],
            Body(*body) if body is not None else None)


def parse_many(work: list[tuple[bytes, tuple[Path, str, bytes]]], config: Config, people: dict,
               bodies: BodyStore, jobs: int,
               advance: Callable[[int], None] = lambda count: None,
               snippets: Snippets | None = None) -> dict[bytes, Result]:
    if not work:
        return {}
    if jobs > 1 and len(work) >= PARALLEL_PARSE_MIN and "fork" in multiprocessing.get_all_start_methods():
        # Small tasks: a worker that finishes early takes the next one, so no core
        # waits long for the last big one (costs little: a task is a few KB).
        size = max(1, min(TASK_SIZE, -(-len(work) // (jobs * 4))))
        chunks = [(work[start: start + size], config, people, bodies, snippets)
                  for start in range(0, len(work), size)]
        results: dict[bytes, Result] = {}
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap(_parse_chunk, chunks):
                results.update(part)
                advance(len(part))
        return results
    converter = make_converter(config)
    results = {}
    for key, (source, display, data) in work:
        results[key] = read_article(source, display, config, converter, people, bodies, data, key, snippets)
        advance(1)
    return results


def _parse_chunk(chunk) -> dict[bytes, Result]:
    work, config, people, bodies, snippets = chunk
    converter = make_converter(config)
    with bodies.batch():  # one file for the chunk's bodies
        return {key: read_article(source, display, config, converter, people, bodies, data, key, snippets)
                for key, (source, display, data) in work}


def snippet_names(data: bytes) -> tuple[str, ...]:
    """The snippets an article's bytes include directly (snippets.closure finds the rest):
    with their contents, part of the article's cache key."""
    if b"[[snippet:" not in data:
        return ()
    return tuple(sorted({name for name, _, _, _ in includes(data.decode("utf-8", "replace").replace("\r\n", "\n"))}))
