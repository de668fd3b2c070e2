"""Benchmark HealthHub builds on generated sites and print a Markdown table.

    python benchmarks/bench.py --sizes 1000,10000

For each size: a cold build (no cache, no output folder), a rebuild with no
change, one article edited, one template edited, one article added; each in
its own process (wall time, median of --runs where cheap, and peak memory from
ru_maxrss of the process and its workers), plus the raw floor: converting every
article body with Python-Markdown on all cores and nothing else. Search
indexing is left out (BuildOptions(search=False)) when HealthHub has it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import generate  # noqa: E402

SCENARIOS = [  # name, label, runs when cheap
    ("cold", "cold build (no cache)", 1),
    ("nochange", "no-change rebuild", 3),
    ("edit", "one article edited", 3),
    ("template", "one template edited", 1),
    ("add", "one article added", 3),
]


# --- one scenario, in a fresh process -------------------------------------------

def run_scenario(project: Path, scenario: str, counter: int, search: bool) -> dict:
    from healthhub.build import BuildOptions, build

    os.chdir(project)
    if scenario == "cold":
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".healthhub-cache", ignore_errors=True)
    elif scenario == "edit":
        target = sorted((project / "articles" / "health").glob("*.md"))[3]
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"\nOne more careful sentence, edit number {counter}.\n")
    elif scenario == "template":
        with open(project / "templates" / "article.html", "a", encoding="utf-8") as handle:
            handle.write(f"{{# edit {counter} #}}\n")
    elif scenario == "add":
        (project / "articles" / "health" / f"added-{counter}.md").write_text(
            "---\ntitle: \"Added article %d\"\ncategory: Health\ndate: 2026-01-02\nviews: 5\ntags: [sleep]\n---\n\n"
            "A new article about rest.\n\n## Why it matters\n\nSleep helps the body recover.\n" % counter,
            encoding="utf-8")
    fields = {f.name for f in dataclasses.fields(BuildOptions)}
    extra = {"search": True} if search else ({"search": False} if "search" in fields else {})
    started = time.perf_counter()
    result = build(BuildOptions(**extra))
    seconds = time.perf_counter() - started
    if not result.ok:
        raise SystemExit("build failed: " + "; ".join(d.format() for d in result.errors[:3]))
    pages = sum(1 for rel in result.written.files if rel.endswith(".html"))
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"seconds": seconds, "pages": pages, "rendered": result.rendered, "parsed": result.parsed,
            "peak_mb": peak / 1024}


def settle(project: Path, limit: float = 60.0) -> None:
    """Start each run once the previous one has finished its clean-up: a build hands
    the previous site to a detached remover (.site-trash-*), and the kernel writes
    files back after the build returns."""
    deadline = time.monotonic() + limit
    while any(p.name.startswith(".site-trash-") for p in project.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.sync()


def in_subprocess(project: Path, scenario: str, counter: int, search: bool = False) -> dict:
    settle(project)
    out = subprocess.run([sys.executable, __file__, "--run", str(project), scenario, str(counter)]
                         + (["--search"] if search else []),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the floor: Markdown only, every core ---------------------------------------------

def _convert_all(bodies: list[str]) -> int:
    from healthhub.markup import MarkdownConverter

    converter = MarkdownConverter()
    return sum(len(converter.convert(body).html) for body in bodies)


def markdown_floor(articles: Path) -> dict:
    bodies = []
    for path in sorted(articles.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        bodies.append(text.split("\n---\n", 1)[1])
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    chunks = [bodies[i::jobs * 4] for i in range(jobs * 4)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_convert_all, chunks)
    return {"seconds": time.perf_counter() - started, "jobs": jobs}


def floor_in_subprocess(articles: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--floor", str(articles)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the table ----------------------------------------------------------------------------

def bench_size(count: int, workdir: Path, runs: int, with_search: bool) -> list[str]:
    project = workdir / f"site-{count}"
    shutil.rmtree(project, ignore_errors=True)
    generate(count, project / "articles", seed=1)
    shutil.copytree(ROOT / "templates", project / "templates")
    floor = floor_in_subprocess(project / "articles")
    rows = [f"| {count:,} | Markdown only, {floor['jobs']} processes (the floor) | {floor['seconds']:.2f} s | "
            f"{count / floor['seconds']:,.0f} articles/s | 1.00x | | |"]
    counter = 0
    cold_seconds = None
    for name, label, cheap_runs in SCENARIOS:
        if name == "nochange":
            time.sleep(2.5)  # let file times settle: files changed in the last 2 s are always re-read
        results = []
        for _ in range(max(1, min(runs, cheap_runs) if name != "cold" else 1)):
            counter += 1
            results.append(in_subprocess(project, name, counter))
        seconds = statistics.median(r["seconds"] for r in results)
        peak = max(r["peak_mb"] for r in results)
        last = results[-1]
        if name == "cold":
            cold_seconds = seconds
        ratio = f"{seconds / floor['seconds']:.2f}x" if name == "cold" else ""
        rows.append(f"| {count:,} | {label} | {seconds:.2f} s | {last['pages'] / seconds:,.0f} pages/s | {ratio} | "
                    f"{last['rendered']:,} rendered, {last['parsed']:,} parsed | {peak:.0f} MB |")
    if with_search:
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".healthhub-cache", ignore_errors=True)
        result = in_subprocess(project, "cold", 0, search=True)
        rows.append(f"| {count:,} | cold build with search index | {result['seconds']:.2f} s | "
                    f"{result['pages'] / result['seconds']:,.0f} pages/s | "
                    f"{result['seconds'] / (cold_seconds or 1):.2f}x of cold | | {result['peak_mb']:.0f} MB |")
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        result = run_scenario(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), "--search" in sys.argv)
        print(json.dumps(result))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        print(json.dumps(markdown_floor(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description="Benchmark HealthHub builds.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per cheap scenario; the median is shown")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate the sites (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    args = parser.parse_args()
    from healthhub.build import BuildOptions

    with_search = "search" in {f.name for f in dataclasses.fields(BuildOptions)}
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="healthhub-bench-"))
    lines = ["| articles | scenario | wall time | throughput | vs floor | work done | peak memory |",
             "|---:|---|---:|---:|---:|---|---:|"]
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            lines += bench_size(size, workdir, args.runs, with_search)
            print("\n".join(lines), flush=True)
            print(flush=True)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    cpu = os.cpu_count()
    print(f"Python {sys.version.split()[0]}, {cpu} cores; medians of {args.runs} runs where cheap.")


if __name__ == "__main__":
    main()
