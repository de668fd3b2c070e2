"""What do the writer's tricks buy? Each one against the plain way, on output trees of
1,000 and 10,000 articles' worth of files, with one page changed.

    python benchmarks/writer.py [--sizes 1000 10000] [--runs 7] [--overlap 0.3]

Generates output trees (about 1.35 files per article: article pages of 6-40 KB in 20
category folders, listing and tag pages, a few stylesheets and scripts) in a
temporary folder and measures, median of --runs:

  (a) hard-linking the current files into the staging folder: inline, against in a
      forked child while the parent does --overlap seconds of other work (what an
      edit build spends planning and rendering); the cost is what the build waits
      for beyond that work;
  (b) removing the previous site: inline (shutil.rmtree), against renaming it aside
      and leaving it to a detached `rm -rf` (files.remove_in_background);
  (c) swapping the staging folder in: renameat2(RENAME_EXCHANGE) against two
      renames, and how many reads of a page by a reader in another process failed
      during 200 swaps each (a web server serving the folder sees that gap);
  (d) the whole write: Staging + scan_output + write_outputs (healthhub.writing)
      with one page changed, the rest vouched for by the manifest: into a fresh
      staging folder (every unchanged file linked into it, the previous site removed
      in the background), against into the spare (the previous site, kept: only the
      files changed in the last two writes are linked or written).

The writer's own functions (healthhub.writing.files) do the work in (a)-(c).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from healthhub.writing import files as writer_files, write  # noqa: E402


# --- trees -------------------------------------------------------------------------------

def tree_files(articles: int) -> dict[str, bytes]:
    """rel -> bytes of a site's output: ~1.35 files per article, realistic sizes."""
    rng = random.Random(articles)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(500)]

    def text(size: int) -> bytes:
        out = bytearray(b"<!doctype html><html><body>")
        while len(out) < size:
            out += rng.choice(words) + b" "
        return bytes(out)

    files: dict[str, bytes] = {}
    for n in range(articles):
        files[f"category-{n % 20}/article-{n}.html"] = text(rng.randint(6_000, 40_000))
    for n in range(int(articles * 0.35) - 10):  # listings, tag pages, feeds
        files[f"tags/tag-{n % 30}/page-{n}.html"] = text(rng.randint(4_000, 15_000))
    for n in range(10):
        files[f"assets/file-{n}.{'css' if n % 2 else 'js'}"] = text(rng.randint(2_000, 30_000))
    return files


def make_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --- the measurements ----------------------------------------------------------------------

def other_work(seconds: float) -> None:
    """CPU-bound Python, as rendering is."""
    end = time.perf_counter() + seconds
    data = b"x" * 1000
    while time.perf_counter() < end:
        for _ in range(200):
            data = hashlib.blake2b(data).digest() * 16


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def rename_exchange(a: Path, b: Path) -> None:
    assert writer_files._exchange(a, b)


def two_renames(a: Path, b: Path) -> None:
    aside = b.with_name(b.name + ".aside")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def reader(path: str, stop, failures) -> None:
    failed = 0
    while not stop.is_set():
        for _ in range(100):
            try:
                with open(path, "rb") as handle:
                    handle.read(1)
            except OSError:
                failed += 1
    failures.value = failed


@dataclass
class Row:
    size: int
    files: int
    what: str
    plain: str
    trick: str


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms"


def us(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e6:,.0f} µs"


def measure(articles: int, runs: int, overlap: float, where: Path) -> list[Row]:
    files = tree_files(articles)
    rels = sorted(files)
    site = where / "site"
    make_tree(site, files)
    rows = []

    # (a) prelinking
    inline, forked = [], []
    for run in range(runs):
        target = where / f"stage-{run}"
        inline.append(timed(lambda: writer_files.link_files(site, target, rels, set())))
        shutil.rmtree(target)
        alone = timed(lambda: other_work(overlap))

        def overlapped():
            pid = os.fork()
            if pid == 0:
                try:
                    writer_files.link_files(site, target, rels, set())
                finally:
                    os._exit(0)
            other_work(overlap)
            os.waitpid(pid, 0)
        forked.append(timed(overlapped) - alone)
        shutil.rmtree(target)
    rows.append(Row(articles, len(files), "(a) link unchanged files into the staging folder (time the build waits)",
                    f"inline {ms(inline)}", f"forked beside {overlap:.1f} s of work: {ms(forked)}"))

    # (b) removing the previous site
    inline, detached = [], []
    for run in range(runs):
        old = where / f"old-{run}"
        shutil.copytree(site, old, copy_function=os.link)
        inline.append(timed(lambda: writer_files.remove_tree(old)))
        shutil.copytree(site, old, copy_function=os.link)

        def hand_off():
            trash = old.with_name(old.name + "-trash")
            os.rename(old, trash)
            writer_files.remove_in_background(trash)
        detached.append(timed(hand_off))
        while any(p.name.endswith("-trash") for p in where.iterdir()):
            time.sleep(0.01)
    rows.append(Row(articles, len(files), "(b) remove the previous site (time the build waits)",
                    f"inline {ms(inline)}", f"detached `rm -rf`: {ms(detached)}"))

    # (c) the swap
    other = where / "other"
    shutil.copytree(site, other, copy_function=os.link)
    results = {}
    for name, swap in (("two renames", two_renames), ("renameat2", rename_exchange)):
        stop, failures = multiprocessing.Event(), multiprocessing.Value("q", 0)
        process = multiprocessing.get_context("fork").Process(
            target=reader, args=(str(site / "category-0/article-0.html"), stop, failures))
        process.start()
        time.sleep(0.2)
        times = []
        for _ in range(200):
            times.append(timed(lambda: swap(other, site)))
            time.sleep(0.001)
        stop.set()
        process.join()
        results[name] = (times, failures.value)
    shutil.rmtree(other)
    rows.append(Row(articles, len(files), "(c) swap the new site in; reads that failed in 200 swaps",
                    f"two renames {us(results['two renames'][0])}, {results['two renames'][1]:,} failed reads",
                    f"renameat2 {us(results['renameat2'][0])}, {results['renameat2'][1]:,} failed reads"))

    # (d) the whole write with one page changed, into a fresh staging folder (the spare
    # removed before each run, untimed) and into the spare; runs interleaved
    manifest = write.write_outputs(site, dict(files)).files
    changed = rels[len(rels) // 2]
    totals: dict[bool, list[float]] = {False: [], True: []}
    for run in range(runs * 2):
        spare = run % 2 == 1
        if not spare:
            for folder in where.glob(".site-spare-*"):
                shutil.rmtree(folder)
        new = files[changed] + f"<!-- run {run} -->".encode()
        started = time.perf_counter()
        with write.Staging(site) as staging:
            state = write.scan_output(site, manifest)
            outputs = {rel: Vouched(state.verified[rel]) for rel in rels if rel != changed}
            outputs[changed] = staging.put(changed, new)
            result = write.write_outputs(site, outputs, state=state, staging=staging)
        totals[spare].append(time.perf_counter() - started)
        assert result.written == 1 and (staging.spare is not None) == spare, result
        manifest = result.files
        wait_for_trash(where)
    rows.append(Row(articles, len(files), "(d) the whole write (healthhub.writing), one page changed",
                    f"fresh staging folder: {ms(totals[False])}", f"the spare: {ms(totals[True])}"))
    return rows


@dataclass(frozen=True)
class Vouched:
    """A file the manifest vouches for (as caching.incremental.Kept)."""
    hash: bytes


def wait_for_trash(where: Path) -> None:
    deadline = time.monotonic() + 60
    while any("-trash-" in p.name for p in where.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--overlap", type=float, default=0.3,
                        help="seconds of other work the forked linking runs beside (default 0.3)")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="healthhub-writer-bench-") as where:
            rows += measure(size, args.runs, args.overlap, Path(where))
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, median of {args.runs} runs\n")
    print("| articles | files | what | plain | trick |")
    print("|---:|---:|---|---|---|")
    for row in rows:
        print(f"| {row.size:,} | {row.files:,} | {row.what} | {row.plain} | {row.trick} |")


if __name__ == "__main__":
    main()
