"""The live preview's search index, brought up to date after the page is shown.

Pagefind reads the whole site every time (about 0.35 s on the sample site, 18 s
at 10,000 articles), so the preview does not wait for it: the build writes the
pages, the browser reloads, and then Pagefind indexes the site folder into a
folder of its own, outside the site. The server answers /pagefind/ from the
newest finished index only, so a half-written index is never served; until a
new one is ready, search answers from the previous one.

A build stops an index being made (it would read a site folder being swapped),
and the next one starts after that build: a newer save supersedes it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from ..rendering.search import index_failure, pagefind_command, sort_languages

# Indexes served at once: the newest, and the one before it for a page that read
# the previous index's entry file just before the switch (Pagefind's other files
# are named by their content, so asking the previous index for them is safe).
KEPT_INDEXES = 2
# Pagefind starts this long after a build, so the reloading browser gets the CPU
# first and a burst of saves is indexed once.
START_DELAY_SECONDS = 0.3


class BackgroundIndex:
    """Indexes `site_dir` on its own thread whenever it is asked for a newer version
    of the site; `on_ready` gets the folders to serve /pagefind/ from, newest first."""

    def __init__(self, site_dir: Path, on_ready: Callable[[tuple[Path, ...]], None],
                 say: Callable[[str], None], tell: Callable[[str], None]):
        self.site_dir = site_dir
        self.on_ready = on_ready
        self.say = say  # problems, to stderr
        self.tell = tell  # progress, to stdout
        self.folder = Path(tempfile.mkdtemp(prefix="healthhub-search-"))
        self.changed = threading.Condition()
        self.wanted = 0  # the version of the site folder to index; 0: none
        self.indexed = 0  # the version the newest served index (or failure) is of
        self.wanted_at = 0.0
        self.paused = False
        self.stopping = False
        self.interruptions = 0  # counts pauses, so a run that a build overlapped is dropped
        self.process: subprocess.Popen | None = None
        self.served: list[Path] = []  # newest first
        self.runs = 0
        self.last_problem: str | None = None
        self.thread = threading.Thread(target=self._run, name="healthhub-search-index", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def pause(self) -> None:
        """Before a build: stop a Pagefind run (its index is dropped) and start none
        until `resume`.

        Pagefind is killed, not waited for: a killed process runs no more of its own
        code (at most a read already under way ends), but its exit is done only once
        the kernel has given back all its memory, and a save during a run at 10,000
        articles waited for that: 54-67 ms at 365-649 MB, 304-332 ms at 3.0-3.4 GB
        (long articles), measured 2026-12-03 with benchmarks/serve_latency.py's
        machine. The index thread reaps it, and starts no other run meanwhile."""
        with self.changed:
            self.paused = True
            self.interruptions += 1
            process = self.process
        if process is not None:
            _kill(process)

    def resume(self, version: int) -> None:
        """After a build: the site folder is `version` (0: it has nothing to index)."""
        with self.changed:
            self.paused = False
            if version != self.wanted:
                self.wanted = version
                self.wanted_at = time.monotonic()
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.interruptions += 1
            process = self.process
            self.changed.notify_all()
        if process is not None:
            _end(process)
        if self.thread.is_alive():
            self.thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _next(self) -> tuple[int, int, Path] | None:
        """Wait for work; (version, interruptions, output folder), or None when stopping."""
        with self.changed:
            while True:
                if self.stopping:
                    return None
                if not self.paused and self.wanted and self.wanted != self.indexed:
                    delay = self.wanted_at + START_DELAY_SECONDS - time.monotonic()
                    if delay <= 0:
                        break
                    self.changed.wait(delay)
                    continue
                self.changed.wait()
            self.runs += 1
            output = self.folder / str(self.runs)
            # Started while holding the lock: a pause either comes before (nothing
            # starts) or after (it sees the process and ends it). In a session of its
            # own, so the terminal's Ctrl-C reaches the server, which ends it.
            self.process = subprocess.Popen(pagefind_command(self.site_dir, output), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            start_new_session=True)
            return self.wanted, self.interruptions, output

    def _run(self) -> None:
        while (work := self._next()) is not None:
            version, interruptions, output = work
            started = time.perf_counter()
            process = self.process
            assert process is not None
            try:
                stdout, stderr = process.communicate()
            except Exception:  # noqa: BLE001 - its pipes closed under it while being ended
                stdout, stderr = "", ""
                _end(process)
            seconds = time.perf_counter() - started
            with self.changed:
                self.process = None
                if self.interruptions != interruptions or self.stopping:
                    shutil.rmtree(output, ignore_errors=True)  # a build overlapped it: the next run redoes it
                    continue
                self.indexed = version
                if process.returncode != 0:
                    shutil.rmtree(output, ignore_errors=True)
                    problem = str(index_failure(process.returncode, stderr, stdout))
                    if problem != self.last_problem:
                        self.say(f"warning: {problem}; search in the preview answers from the last index")
                    self.last_problem = problem
                    continue
                self.last_problem = None
                sort_languages(output / "pagefind-entry.json")
                self.served.insert(0, output)
                dropped, self.served = self.served[KEPT_INDEXES:], self.served[:KEPT_INDEXES]
                self.on_ready(tuple(self.served))
            for folder in dropped:
                shutil.rmtree(folder, ignore_errors=True)
            self.tell(f"Search index up to date in {seconds:.2f} s")


def _kill(process: subprocess.Popen) -> None:
    """Kill a Pagefind run (unless it has already been waited for)."""
    try:
        process.kill()
    except OSError:
        pass


def _end(process: subprocess.Popen) -> None:
    """End a Pagefind run and wait until it has exited."""
    _kill(process)
    process.wait()
