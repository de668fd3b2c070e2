"""Read article files through the cache: parse only what is new, in parallel when there is a lot.

An article is looked up by a key made of HealthHub's code version, the
configuration, the path the author sees and a digest of the file's bytes, so
any change to one of them parses the file again. The digest itself is
remembered per file with its size, mtime, inode and ctime (as git does) so
an untouched file is not even read; a file modified in the last seconds
before the cache was written is always read again.
"""

from __future__ import annotations

import dataclasses
import gc
import marshal
import math
import os
import pickle
import resource
import selectors
import signal
import time
import traceback
from pathlib import Path
from typing import Callable

from ..caching.bodies import BodyStore, MemoryBodies
from ..caching.cache import Cache, FileRecord, NotPlain, code_version, digest, from_plain, to_plain
from ..caching.warm import WarmState
from .config import Config
from ..errors import ProcessingError, error
from .model import Body
from .article import Read, make_converter, read_article
from .records import article_from_row, article_row
from .scan import display_path, is_link
from ..progress import Progress, Ticker
from .scan import RACY_SECONDS
from .snippets import Snippets, includes

TASK_SIZE = 32  # articles per task sent to a worker
PARALLEL_PARSE_MIN = 64  # below this many new files a worker pool costs more than it saves
WALL_LIMIT_FACTOR = 10  # a parse worker is stopped after this many times max_convert_seconds in wall time

Result = Read


class SourceReader:
    """A `read_articles` for gather.load_site that uses the cache (None: no cache);
    `save` then writes what changed back into it."""

    def __init__(self, cache: Cache | None, bodies: BodyStore, jobs: int = 1, progress: Progress | None = None,
                 signatures: dict[str, tuple] | None = None, warm: WarmState | None = None):
        self.signatures = signatures or {}  # name -> (size, mtime, inode, ctime) when the caller just took them
        self.progress = progress
        self.bodies = bodies  # where parsed articles' bodies go (and where cached ones already are)
        # A warm state the caller checked holds what the cache holds, already read (see warm.py).
        known = warm is not None and bool(warm.token)
        self.stat_cache: dict[str, FileRecord] = (warm.files if known else cache.load_files() if cache is not None
                                                  else {})
        self.parsed: dict[bytes, bytes] = (warm.records if known else cache.load_articles() if cache is not None
                                           else {})  # key -> record
        self.known: dict[bytes, tuple] = warm.decoded if known else {}  # key -> the record decoded
        self.decoded: dict[bytes, tuple] = {}  # key -> the record decoded, of every article read (for a warm state)
        self.keep_decoded = warm is not None
        self.standing = warm.parser if warm is not None else None  # its parse worker (see StandingParser)
        self.jobs = jobs
        self.reparsed = 0
        self.files: dict[str, FileRecord] = {}  # what this build knows of each file, for the cache
        self.records: dict[bytes, bytes] = {}  # key -> record of every article read, for the cache
        self.wheres: dict[bytes, str] = {}  # key -> where its body is stored
        # A warm state's keys of the files it read, by file name, and what they were made with.
        self.last_keys: tuple = warm.keys if known else (None, {})
        self.keys: tuple = (None, {})
        self.delta: tuple | None = None  # set by read_changed

    @staticmethod
    def _base(config: Config, people: dict) -> bytes:
        return digest(code_version() + repr(config).encode() + repr(sorted(people.items())).encode())

    def __call__(self, sources: list[str | Path], config: Config, people: dict,
                 snippets: Snippets | None = None) -> list[Result]:
        started = time.time()
        # Digested once: hashing the config and people into each of 10,000 keys cost 29 ms
        # CPU a build at 1.6 KB (the generated site), 52 ms at 3.3 KB (the sample site's),
        # 0.68 s at 50 KB (many people with bios); 8 ms this way.
        base = self._base(config, people)
        new_stat: dict[str, FileRecord] = {}
        keys: list[bytes | None] = []
        # What to parse: path, display name and the digest of its bytes. Not the bytes:
        # a worker reads them again (held here they were a site's whole Markdown in
        # memory at once: 135 MB at 3,000 long articles).
        missing: dict[bytes, tuple[Path, str, bytes]] = {}
        stored: dict[bytes, tuple[bytes, tuple[Path, str, bytes]]] = {}  # key -> (record, as in missing)
        results: dict[bytes, Result] = {}
        plain: dict[bytes, bytes] = {}
        classes: dict = {}
        shared: dict = {}  # values many articles read back hold the same of (records._article_of)
        failed: dict[int, Result] = {}
        folders: dict[str, str] = {}
        new_keys: dict[str, tuple[bytes, bytes]] = {}  # each file's (content, key), for read_changed
        for index, source in enumerate(sources):  # names (str) or Paths: a Path only for a file read
            name = os.fspath(source)
            parent, base_name = os.path.split(name)
            folder = folders.get(parent)
            if folder is None:
                folder = folders[parent] = display_path(Path(parent))
            if is_link(name, sources):
                display = display_path(Path(name))  # named as display_path names it: where it leads
            else:
                display = f"{folder}/{base_name}" if folder not in ("", ".") else base_name
            data = None
            try:
                signature = self.signatures.get(name)
                if signature is None:
                    st = os.stat(name)
                    signature = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
                if signature[0] > config.max_article_mb * 1_000_000:
                    failed[index] = too_big(display, signature[0], config)
                    keys.append(None)
                    continue
                known = self.stat_cache.get(name)
                if known is not None and known.signature == signature:
                    content, used = known.content, known.snippets
                else:
                    with open(name, "rb") as handle:
                        data = handle.read()
                    content = digest(data)
                    used = snippet_names(data)
                if started - signature[1] / 1e9 > RACY_SECONDS:
                    new_stat[name] = known if data is None else FileRecord(signature, content, used)
            except OSError:
                failed[index] = read_article(Path(name), display, config, make_converter(config), people,
                                             self.bodies, snippets=snippets)
                keys.append(None)
                continue
            key = digest(base + b"\0" + display.encode("utf-8", "surrogateescape") + b"\0" + content
                         + (snippets.digest_of(used) if used and snippets is not None else b""))
            keys.append(key)
            new_keys[name] = (content, key)
            cached = self.parsed.get(key)
            if cached is not None and key not in results:
                known = self.known.get(key)
                if known is not None:
                    results[key] = known  # its diagnostics a tuple: a Read's are only read
                    plain[key] = cached
                    continue
                if key not in stored:
                    stored[key] = (cached, (Path(name), display, content))
                continue
            if key not in missing and key not in results:
                missing[key] = (Path(name), display, content)
        ticker = Ticker(self.progress, "Reading articles", len(sources), len(sources) - len(missing))
        # The new articles are parsed in workers while this process reads the cached
        # ones back (a one-article edit at 10,000 articles: the worker's 0.1 s of
        # making its Markdown converter and the parse, beside 0.2 s of reading).
        parsing = start_parse(list(missing.items()), config, people, self.bodies, self.jobs, ticker.advance,
                              snippets, self.standing)
        try:
            again = []
            for key, (cached, item) in stored.items():
                try:
                    results[key] = _from_record(cached, classes, shared)
                    plain[key] = cached
                except Exception:  # a class changed shape: parse again
                    again.append((key, item))
            parsed = parsing.finish()
        finally:
            parsing.close()
        if again:
            parsed.update(parse_many(again, config, people, self.bodies, self.jobs, ticker.advance, snippets,
                                     self.standing))
        self.reparsed = len(missing) + len(again)
        for key, result in parsed.items():
            results[key] = result
            if isinstance(result, Uncached):
                continue  # parsed again next time
            try:
                plain[key] = marshal.dumps(_to_record(result))
            except (NotPlain, ValueError):
                pass  # parsed again next time
        ticker.finish()
        self.files = new_stat
        self.keys = (_made_with(base, sources, snippets), new_keys)
        self.records = {key: plain[key] for key in keys if key in plain}
        if self.keep_decoded:  # only a warm state holds them (10,000 tuples a build otherwise)
            self.decoded = {key: _decoded(results[key]) for key in self.records}
            # and the results are those very tuples: the next build's read_changed gives them
            # again for unchanged files, which the kept site model (loading/patch.py) then
            # knows by identity (with others, it compared all 10,000 articles, 0.3 s).
            results.update(self.decoded)
        ordered: list[Result] = []
        for index, key in enumerate(keys):
            ordered.append(failed[index] if key is None else results[key])
        self.wheres = {key: results[key][2].where for key in self.records if results[key][2] is not None}
        return ordered

    def read_changed(self, sources: list[str], config: Config, people: dict,
                     snippets: Snippets | None = None) -> list[Result] | None:
        """As a call, for a reader with a warm state: only the files whose stat signature
        differs from the one the state holds (or whose result it does not hold) are
        looked at, the others' results are the state's. None when the state's keys were
        made with something else (call the reader instead). At 10,000 articles a call
        takes 0.08-0.14 s when one file changed, this about 0.01 s."""
        made_with = _made_with(self._base(config, people), sources, snippets)
        last_made_with, last_keys = self.last_keys
        if last_made_with != made_with or not self.keep_decoded:
            return None
        stat_of, signature_of, known, no = self.stat_cache.get, self.signatures.get, self.known.get, FileRecord(None, b"", ())
        changed = [index for index, name in enumerate(sources)
                   if signature_of(name) != stat_of(name, no).signature
                   or (entry := last_keys.get(name)) is None or entry[1] not in self.known]
        names = [sources[index] for index in changed]
        fresh = self(names, config, people, snippets) if names else []
        fresh_of = dict(zip(changed, fresh))
        ordered = [fresh_of[index] if index in fresh_of else known(last_keys[name][1])
                   for index, name in enumerate(sources)]
        # The state's own dicts are brought up to date in place: copying four 10,000-entry
        # dicts took 50 ms of each save. A build that raises after this drops the state
        # (build.build), one that fails or whose cache fails keeps what this stage made.
        files, keys, records, decoded = self.stat_cache, last_keys, self.parsed, self.known
        old_files = {name: files[name] for name in names if name in files}
        gone = {entry[1] for name in names if (entry := keys.get(name)) is not None}
        for name in names:
            files.pop(name, None)
            keys.pop(name, None)
        files.update(self.files)
        keys.update(self.keys[1])
        if gone:
            gone -= {key for _, key in keys.values()}
        gone_bodies = [result[2].where for result in map(decoded.get, gone)
                       if result is not None and result[2] is not None]
        added = {key: record for key, record in self.records.items() if key not in records}
        for key in gone:
            records.pop(key, None)
            decoded.pop(key, None)
        records.update(self.records)
        decoded.update(self.decoded)
        # what save() writes: only these files' rows, articles and bodies
        self.delta = (old_files, {name: self.files[name] for name in names if name in self.files}, gone, added,
                      gone_bodies)
        self.files, self.records, self.decoded, self.keys = files, records, decoded, (made_with, keys)
        return ordered

    def save(self, cache: Cache) -> None:
        """Write what changed into the cache (and drop the bodies no article has any more)."""
        if self.delta is not None:  # after read_changed: no need to compare every file and body
            old_files, files, gone, added, gone_bodies = self.delta
            self.bodies.drop(gone_bodies)
            cache.update_sources(old_files, files, gone, added)
            return
        if self.reparsed or self.parsed.keys() != self.records.keys():
            self.bodies.keep_only(self.wheres.values())
        cache.update_sources(self.stat_cache, self.files, self.parsed.keys(), self.records)

    def release(self) -> None:
        """Forget the cached data once the site model is built (and the cache updated)."""
        self.stat_cache, self.parsed, self.files, self.records, self.wheres = {}, {}, {}, {}, {}
        self.known, self.decoded, self.keys, self.last_keys, self.delta = {}, {}, (None, {}), (None, {}), None


def _made_with(base: bytes, sources: list, snippets: Snippets | None) -> tuple:
    """What a file's key is made with besides its own name and bytes: the config, people
    and code (`base`), the working directory (display names), which files are links and
    the snippets. Keys made with the same are the same for a file with the same bytes."""
    return base, os.getcwd(), getattr(sources, "links", None), snippets.texts if snippets is not None else None


# A parsed file in the cache: (article row, body row, diagnostics), each row read back by
# the names of its columns (records.ARTICLE_COLUMNS, BODY_COLUMNS).
BODY_COLUMNS = tuple(f.name for f in dataclasses.fields(Body))


def _to_record(result: Result) -> tuple:
    article, diags, body = result
    return (article_row(article) if article is not None else None,
            tuple(getattr(body, name) for name in BODY_COLUMNS) if body is not None else None,
            to_plain(tuple(diags)) if diags else ())


def _decoded(result: Result) -> tuple:
    """A result as a warm state holds it: a plain tuple, its diagnostics a tuple (often itself already)."""
    if type(result) is tuple and type(result[1]) is tuple:
        return result
    return result[0], tuple(result[1]), result[2]


def _from_record(data: bytes, classes: dict, shared: dict) -> Result:
    """A cached result read back; `classes` and `shared` are shared by the records read in one build."""
    article, body, diags = marshal.loads(data)
    if body is not None:
        if len(body) != len(BODY_COLUMNS):
            raise ValueError("a body row of another shape")
        # frozen, and its fields are the row's: filled without running __init__ (which sets
        # each field through object.__setattr__, for every cached article of every build)
        body, row = object.__new__(Body), body
        object.__setattr__(body, "__dict__", dict(zip(BODY_COLUMNS, row)))
    return (article_from_row(article, shared) if article is not None else None,
            tuple(from_plain(diags, classes)) if diags else (), body)


def parse_many(work: list[tuple[bytes, tuple[Path, str, bytes]]], config: Config, people: dict,
               bodies: BodyStore, jobs: int,
               advance: Callable[[int], None] = lambda count: None,
               snippets: Snippets | None = None, standing: StandingParser | None = None) -> dict[bytes, Result]:
    """Parse the articles in `work`, each within config.max_convert_seconds: in worker
    processes (one per core for many articles, one for a few: the `standing` one when
    it is there), so an article that makes Python-Markdown run away is stopped (its
    worker killed) and reported while the rest are parsed; the caller (and a preview
    server's threads) only wait on pipes meanwhile. Where processes cannot be
    forked: in this process, without the time limit."""
    return start_parse(work, config, people, bodies, jobs, advance, snippets, standing).finish()


def start_parse(work: list[tuple[bytes, tuple[Path, str, bytes]]], config: Config, people: dict,
                bodies: BodyStore, jobs: int,
                advance: Callable[[int], None] = lambda count: None,
                snippets: Snippets | None = None, standing: StandingParser | None = None) -> "_GuardedParse | _InProcess":
    """parse_many begun: its workers are at work when this returns, so the caller can
    do something else meanwhile (read the cached articles back); `finish()` gives
    the results (and ends the workers however it ends)."""
    if not work or not hasattr(os, "fork"):
        return _InProcess(work, config, people, bodies, advance, snippets)
    workers = max(1, min(jobs, len(work) // PARALLEL_PARSE_MIN or 1))
    # Small tasks: a worker that finishes early takes the next one, so no core
    # waits long for the last big one.
    size = max(1, min(TASK_SIZE, -(-len(work) // (workers * 4))))
    # The converter (Python-Markdown with its extensions: 0.1 s, most of it imports) is
    # made in each worker, while this process goes on; a long-running process (the
    # preview, `standing` given) makes it once itself for the workers it forks.
    long_running = standing is not None
    if workers > 1 or standing is None or standing.worker is None:
        standing = None
    return _GuardedParse(work, config, people, bodies, workers, size, advance, snippets, standing,
                         converter_here=long_running and standing is None).start()


class _InProcess:
    """parse_many where processes cannot be forked (or with nothing to parse): in this
    process, when finished."""

    def __init__(self, work, config, people, bodies, advance, snippets) -> None:
        self.work, self.config, self.people, self.bodies = work, config, people, bodies
        self.advance, self.snippets = advance, snippets

    def finish(self) -> dict[bytes, Result]:
        results: dict[bytes, Result] = {}
        if not self.work:
            return results
        converter = make_converter(self.config)
        for key, (source, display, content) in self.work:
            data, same = read_verified(source, content)
            result = read_article(source, display, self.config, converter, self.people, self.bodies, data, key,
                                  self.snippets)
            results[key] = result if same else Uncached(result)
            self.advance(1)
        return results

    def close(self) -> None:
        pass


class StandingParser:
    """A parse worker a long-running process (the live preview) starts once, before
    its first build while it is small, and keeps: a save's few articles are parsed
    there, within the same time limit, instead of in a worker forked from the whole
    process with its site model. At 10,000 articles forking one took 9-12 ms, its
    parse 20-31 ms (the copy-on-write copies of the memory it touched) where the
    parse itself takes 13, and waiting for it to end 6-12 ms: 40-60 ms of a save.
    Each use sends it what the articles are parsed with (config, people, snippets);
    an article it is stopped on (too slow) ends it, and later parses fork as before.
    Not where processes cannot be forked (`worker` None)."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.parent_fds: set[int] = set()
        if hasattr(os, "fork"):
            self.worker = _Worker(_GuardedParse([], None, {}, MemoryBodies(), 1, 1, lambda count: None), self)

    def lost(self) -> None:
        self.worker = None

    def close(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop(self, kill=False)


class Uncached(tuple):
    """A result that is not cached (the file is parsed again next build)."""


class Stopped(Uncached):
    """The result of an article whose parsing was stopped."""


def read_verified(source: Path, content: bytes) -> tuple[bytes | None, bool]:
    """The file's bytes (None if it cannot be read now: read_article says so) and
    whether they are the bytes whose digest is `content`, which its cache key holds.
    A file changed since is parsed as it is now, and not cached under that key."""
    try:
        data = source.read_bytes()
    except OSError:
        return None, False
    return data, digest(data) == content


def too_slow(display: str, config: Config) -> Read:
    return Stopped([None, [error(display, 1, 1, f"converting the Markdown took longer than "
                                 f"{config.max_convert_seconds} s of processor time and was stopped; look for a long "
                                 "run of [, <, *, _ or - characters and break it up, or raise max_convert_seconds in "
                                 "healthhub.yaml")], None])


def too_big(display: str, size: int, config: Config) -> Read:
    return None, [error(display, 1, 1, f"the file is larger than {config.max_article_mb} MB "
                        f"({size / 1e6:.1f} MB), so it was not read; split it into several articles, or raise "
                        "max_article_mb in healthhub.yaml")], None


def _send(fd: int, value) -> None:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    data = len(data).to_bytes(8, "big") + data
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int):
    """One message from a pipe; None at its end (the writer is gone)."""
    header = _read_exactly(fd, 8)
    if header is None:
        return None
    data = _read_exactly(fd, int.from_bytes(header, "big"))
    return None if data is None else pickle.loads(data)


def _read_exactly(fd: int, count: int) -> bytes | None:
    parts, left = [], count
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class _Worker:
    """A forked parser: reads tasks (lists of indexes into the work) from a pipe,
    says which article it starts, and sends each task's results when the task's
    bodies are stored."""

    def __init__(self, parse: "_GuardedParse", holder=None):
        holder = holder if holder is not None else parse  # what keeps the parent's ends of its pipes
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                # Hold no other worker's pipe open (it would never see its end).
                for fd in holder.parent_fds | {task_write, result_read}:
                    os.close(fd)
                parse.serve(task_read, result_write)
                status = 0
            except BaseException:
                pass
            finally:
                os._exit(status)
        os.close(task_read)
        os.close(result_write)
        self.pid, self.tasks, self.results = pid, task_write, result_read
        holder.parent_fds |= {task_write, result_read}
        self.task: list[int] = []  # what it is working on
        self.current: int | None = None  # the article it started last
        self.started = 0.0

    def stop(self, parse, kill: bool) -> int:
        """Close its pipes (`parse` holds them: a _GuardedParse or StandingParser), end
        it (kill: at once) and return its wait status."""
        for fd in (self.tasks, self.results):
            parse.parent_fds.discard(fd)
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            if kill:
                os.kill(self.pid, signal.SIGKILL)
            return os.waitpid(self.pid, 0)[1]
        except OSError:
            return 0


class _GuardedParse:
    def __init__(self, work, config: Config | None, people: dict, bodies: BodyStore, workers: int, size: int,
                 advance: Callable[[int], None], snippets: Snippets | None = None,
                 standing: StandingParser | None = None, converter_here: bool = False):
        self.work, self.config, self.people, self.bodies = work, config, people, bodies
        self.snippets = snippets
        self.workers, self.advance = workers, advance
        self.standing = standing  # its worker takes the tasks (whole items: it did not inherit `work`)
        # With converter_here, made before the workers fork, so they inherit it: making
        # one loads Python-Markdown's extensions, which a long-running preview process
        # then does once, not once per worker. Otherwise each worker makes its own
        # while this process does something else (start_parse). (A standing worker
        # makes its own, with the config each use sends.)
        self.converter = make_converter(config) if converter_here and config is not None else None
        self.parent_fds: set[int] = set()  # the workers' pipe ends this process holds
        self.todo = [list(range(start, min(len(work), start + size))) for start in range(0, len(work), size)]
        self.todo.reverse()  # popped from the end: in order

    def serve(self, tasks: int, results: int) -> None:
        """In a worker: parse what the parent asks for until it closes the pipe."""
        converter, converter_config = self.converter, self.config
        if self.config is None:  # a standing worker, while its process builds: Python-Markdown's extensions loaded
            make_converter(Config())
        gc.freeze()  # as incremental._worker_start: inherited objects stay shared with the parent
        # Bodies go back to the parent with the results, which stores them: one
        # writer for the cache's database (a connection is not shared across fork).
        bodies = MemoryBodies()
        # The time limit counts processor time, not wall time (on a busy machine
        # an article waits for a core too): the kernel stops this worker with
        # SIGXCPU once an article used more than the limit. No core file.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        while True:
            task = _receive(tasks)
            if task is None:
                return
            if type(task) is tuple:  # a standing worker's next use: what to parse with, and the items
                self.config, self.people, self.snippets, items = task
                self.work = dict(items)
                task = list(self.work)
            if converter is None or converter_config != self.config:  # (forked in place of a standing one: none yet)
                converter, converter_config = make_converter(self.config), self.config
            done = []
            for index in task:
                _send(results, ("start", index))
                key, (source, display, content) = self.work[index]
                data, same = read_verified(source, content)
                usage = resource.getrusage(resource.RUSAGE_SELF)
                allowed = math.ceil(usage.ru_utime + usage.ru_stime) + self.config.max_convert_seconds
                resource.setrlimit(resource.RLIMIT_CPU,
                                   (allowed if hard == resource.RLIM_INFINITY else min(allowed, hard), hard))
                try:
                    result = read_article(source, display, self.config, converter, self.people, bodies,
                                          data, key, self.snippets)
                    if not same:
                        result = Uncached(result)
                    body = result[2]
                    # an article with front-matter errors has a body (its links are checked) but stores none
                    html = bodies.bodies.pop(body.where) if body is not None and body.where else None
                except MemoryError:
                    raise  # the worker ends; the parent reports the article it was on
                except Exception as exc:  # a bug: the parent raises it, naming the file
                    failure = exc if isinstance(exc, ProcessingError) else ProcessingError(display, exc)
                    original = failure.original
                    if not _picklable(original):
                        original = RuntimeError(f"{type(original).__name__}: {original}")
                    where = "".join(traceback.format_exception(failure.original))
                    _send(results, ("failed", failure.where, original, where))
                    return
                done.append((index, result, html))
            _send(results, ("done", done))

    def start(self) -> "_GuardedParse":
        """Fork the workers and hand each its first task."""
        self.results: dict[bytes, Result] = {}
        self.idle: list[_Worker] = []
        self.busy: dict[int, _Worker] = {}  # by results pipe
        self.standing_worker = self.standing.worker if self.standing is not None else None
        self.selector = selectors.DefaultSelector()
        try:
            self._dispatch()
        except BaseException:
            self.close()
            raise
        return self

    def _dispatch(self) -> None:
        """Give the next tasks to idle workers (forking workers up to self.workers)."""
        idle, busy, standing = self.idle, self.busy, self.standing_worker
        while self.todo and len(busy) + len(idle) < self.workers:
            # (one worker when there is a standing one: it is either this or lost)
            idle.append(standing if standing is not None and self.standing.worker is standing
                        else _Worker(self))
        while self.todo and idle:
            worker, task = idle.pop(), self.todo.pop()
            if worker is standing:
                try:
                    _send(worker.tasks, (self.config, self.people, self.snippets,
                                         [(index, self.work[index]) for index in task]))
                except OSError:  # it is gone (killed from outside): one forked as before
                    self._stop(worker, kill=True)
                    worker = _Worker(self)
            if worker is not standing:
                _send(worker.tasks, task)
            worker.task, worker.current, worker.started = task, None, time.monotonic()
            busy[worker.results] = worker
            self.selector.register(worker.results, selectors.EVENT_READ, worker)

    def finish(self) -> dict[bytes, Result]:
        """Wait for every article's result (the workers end, however this ends)."""
        results, idle, busy, selector = self.results, self.idle, self.busy, self.selector
        # A backstop in wall time, for a worker that waits on something instead
        # of working (the processor-time limit stops one that works too long).
        wall_limit = WALL_LIMIT_FACTOR * self.config.max_convert_seconds
        try:
            while self.todo or busy:
                self._dispatch()
                now = time.monotonic()
                wait = min(worker.started + wall_limit - now for worker in busy.values())
                for selected, _ in selector.select(max(0.0, wait)):
                    worker = selected.data
                    message = _receive(worker.results)
                    if message is None or message[0] == "failed":
                        if message is not None:
                            _, where, original, trace = message
                            failure = ProcessingError(where, original)
                            failure.add_note(f"In the parse worker:\n{trace.rstrip()}")
                            raise failure
                        self._lost(worker, busy, selector, results, None)
                    elif message[0] == "start":
                        worker.current, worker.started = message[1], time.monotonic()
                    else:
                        for index, result, html in message[1]:
                            if html is not None:
                                body = result[2]
                                result = type(result)((result[0], result[1],
                                                       dataclasses.replace(body, where=self.bodies.put(body.key,
                                                                                                      html))))
                            results[self.work[index][0]] = result
                        self.advance(len(message[1]))
                        selector.unregister(worker.results)
                        del busy[worker.results]
                        idle.append(worker)
                now = time.monotonic()
                for worker in [w for w in busy.values() if now - w.started > wall_limit]:
                    self._lost(worker, busy, selector, results, "too slow")
        finally:
            self.close()
        return results

    def close(self) -> None:
        """End the workers (the standing one waits for its next use); again: nothing."""
        for worker in self.idle:
            if worker is not self.standing_worker:
                self._stop(worker, kill=False)
        for worker in self.busy.values():
            self._stop(worker, kill=True)
        self.idle, self.busy = [], {}
        self.selector.close()

    def _stop(self, worker: _Worker, kill: bool) -> int:
        if self.standing is not None and worker is self.standing.worker:
            self.standing.lost()
            return worker.stop(self.standing, kill)
        return worker.stop(self, kill)

    def _lost(self, worker: _Worker, busy: dict, selector, results: dict, why: str) -> None:
        """A worker took too long over one article (or died): that article is an
        error, the rest of its task goes back in the queue, the worker goes."""
        selector.unregister(worker.results)
        del busy[worker.results]
        standing = self.standing is not None and worker is self.standing.worker
        status = self._stop(worker, kill=why is not None)
        if standing and why is None and worker.current is None:
            # The standing worker was gone before it started (killed from outside
            # between saves): the task goes to a worker forked as before.
            self.todo.append(worker.task)
            return
        if why is None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            why = "too slow"
        task = worker.task
        current = worker.current if worker.current is not None else task[0]
        key, (source, display, _) = self.work[current]
        if why == "too slow":
            results[key] = too_slow(display, self.config)
        else:
            results[key] = Stopped([None, [error(display, 1, 1, "the Markdown converter stopped unexpectedly on "
                                                 "this article (out of memory?); check it for unusual content")],
                                    None])
        self.advance(1)
        rest = [index for index in task if index != current]
        if rest:
            self.todo.append(rest)


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
        return True
    except Exception:
        return False


def snippet_names(data: bytes) -> tuple[str, ...]:
    """The snippets an article's bytes include directly (snippets.closure finds the rest):
    with their contents, part of the article's cache key."""
    if b"[[snippet:" not in data:
        return ()
    return tuple(sorted({name for name, _, _, _ in includes(data.decode("utf-8", "replace").replace("\r\n", "\n"))}))
