"""Benchmark HealthHub builds on generated sites of several shapes and sizes.

    python benchmarks/bench.py --sizes 1000,10000 --shapes current,tag-heavy --plot bench.png

For each shape (see corpus.SHAPES) and size it prints, from one run:
- the floor: the least any generator on our stack can do with the same site:
  read each file, split the front matter, PyYAML, Python-Markdown with
  HealthHub's extensions, one small Jinja page per article, write it; on
  every core;
- HealthHub: a cold build (no cache, no output folder), a rebuild with no
  change, one article edited, one template edited, one article added, and
  `check` (with the build's cache) and `check` with nothing changed (its stored
  result); each the command a user runs (`python build.py --no-search`,
  `python build.py check`) in its own process, timed from start to exit, Python's
  start-up and HealthHub's imports included (wall time, the median of --runs, its
  CPU seconds, and peak memory twice: ru_maxrss of the largest process, which
  counts the pages a forked worker shares with the main process, and the peak
  of all its processes' PSS summed, sampled from /proc: what the machine
  spends), with its ratio to the floor measured in the same run;
- the edit floor: the least one edited article can cost with HealthHub's
  guarantees, whatever the generator: a stat of every article file (to find
  the edited one), that one article converted as in the floor, and the new
  site given to readers all at once (every other file of the last build
  hard-linked into a new folder beside the new page, then renamed in).
Search indexing is left out (--no-search). With --preview, the
live preview too: `build.py serve` on the site, an article open in headless
Chromium, and the time from a save to the new text painted (serve_latency.py),
with the build and the search index brought up after it (in the background).
The table is
Markdown; --plot draws time against size, one line per shape (matplotlib is
a benchmark-only dependency: `pip install matplotlib`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
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

from corpus import SHAPES, generate  # noqa: E402

SCENARIOS = [  # name, label, cheap (run --runs times; the others --slow-runs times)
    ("cold", "cold build (no cache)", False),
    ("nochange", "no-change rebuild", True),
    ("edit", "one article edited", True),
    ("template", "one template edited", False),
    ("add", "one article added", True),
    ("check", "check", False),
    ("checknochange", "check (no change)", True),
]


# --- one scenario, in a fresh process -------------------------------------------

def run_scenario(project: Path, scenario: str, counter: int) -> dict:
    """Prepare the scenario's change, then time the command a user would run."""
    if scenario in ("checkcold", "check", "checknochange"):
        if scenario == "checkcold":  # nothing cached: every article parsed
            shutil.rmtree(project / ".healthhub-cache", ignore_errors=True)
        if scenario == "check":  # with the build's cache (of the builds before), without a stored check result
            from healthhub.caching.cache import Cache
            from healthhub.checking.check import CHECK_STORE

            Cache(project / ".healthhub-cache").store(CHECK_STORE, {})
        seconds, cpu, out = run_cli(project, "check", "--today", "2026-01-01")
        checked = re.search(r"^Checked ([\d,]+) article", out, re.MULTILINE)
        return {"seconds": seconds, "cpu": cpu, "pages": 0, "rendered": 0,
                "parsed": int(checked.group(1).replace(",", "")) if checked else 0, "peak_mb": _peak()}
    if scenario == "cold":
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".healthhub-cache", ignore_errors=True)
    elif scenario == "edit":
        target = _some_article(project)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"\nOne more careful sentence, edit number {counter}.\n")
    elif scenario == "template":
        with open(project / "templates" / "article.html", "a", encoding="utf-8") as handle:
            handle.write(f"{{# edit {counter} #}}\n")
    elif scenario == "add":  # beside the edited one, in its category
        target = _some_article(project)
        category = next(line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("category:"))
        (target.parent / f"added-{counter}.md").write_text(
            "---\ntitle: \"Added article %d\"\n%s\ndate: 2026-01-02\nviews: 5\ntags: [sleep]\n---\n\n"
            "A new article about rest.\n\n## Why it matters\n\nSleep helps the body recover.\n" % (counter, category),
            encoding="utf-8")
    seconds, cpu, out = run_cli(project, "build", "--no-search", "--timings")
    # The stages as --timings prints them: "load   1.234 s   12%  10,000 articles, 3 parsed"
    stages = re.findall(r"^(\S.*?)\s+([\d.]+) s\s+\d+%\s*(.*)$", out, re.MULTILINE)
    work = {stage: text for stage, _, text in stages}
    count = lambda pattern, text: int(m.group(1).replace(",", "")) if (m := re.search(pattern, text)) else 0
    return {"seconds": seconds, "cpu": cpu, "pages": count(r"([\d,]+) pages", work.get("plan pages", "")),
            "rendered": count(r"([\d,]+) pages", work.get("render", "")),
            "parsed": count(r"([\d,]+) parsed", work.get("load", "")),
            "peak_mb": _peak(), "stages": [(stage, float(secs)) for stage, secs, _ in stages]}


def run_cli(project: Path, *args: str) -> tuple[float, float, str]:
    """Run `python build.py ARGS` in the project folder as a user's machine runs it:
    (wall seconds, CPU seconds of the process and its workers, what it printed).

    Without PYTHONDONTWRITEBYTECODE: a user's Python writes the bytecode of
    HealthHub's modules once and reuses it, while a machine that sets it (ours does)
    compiles them from source in every run (about 0.1 s, a third of a no-change
    build). The bytecode is written before the first timed run (compile_bytecode)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=project, env=env,
                          capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    if done.returncode not in (0, 1) or (args[0] == "build" and done.returncode):  # check exits 1 on errors found
        raise SystemExit(f"build.py {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return seconds, cpu, done.stdout


def compile_bytecode() -> None:
    """Write the bytecode of HealthHub's modules (as installing the package or a
    user's first run does), so no timed run compiles them."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "healthhub")], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _some_article(project: Path) -> Path:
    """The article the edit scenarios change: the same one in every run."""
    folder = sorted(p for p in (project / "articles").iterdir() if p.is_dir())[0]
    return sorted(folder.glob("article-*.md"))[3]


def _peak() -> float:
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _cpu() -> float:
    """CPU seconds of this process and its finished children: on a shared machine
    far steadier than wall time (which also counts waiting for a core)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def settle(project: Path, limit: float = 60.0) -> None:
    """Start each run once the previous one has finished its clean-up: a build hands
    the previous site to a detached remover (.site-trash-*), and the kernel writes
    files back after the build returns."""
    deadline = time.monotonic() + limit
    while any(p.name.startswith(".site-trash-") for p in project.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.sync()


def in_subprocess(project: Path, scenario: str, counter: int) -> dict:
    settle(project)
    # the --run process only starts build.py: its own memory is not the build's
    return run_sampled([sys.executable, __file__, "--run", str(project), scenario, str(counter)], own=False)


def run_sampled(command: list[str], own: bool = True) -> dict:
    """Run a `--run` or `--floor` process; its JSON answer, with `all_mb`: the peak of the
    memory of it (unless not `own`) and its descendants together, sampled every 50 ms from
    /proc (Linux; None elsewhere). Each process's PSS counts the pages it shares with the
    others (forked workers share most of the main process's) once in all: what the
    machine spends. `peak_mb` (ru_maxrss) is the largest single process, shared pages included."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = None
    while process.poll() is None:
        total = _tree_pss(process.pid, own)
        if total is not None:
            peak = max(peak or 0.0, total)
        time.sleep(0.05)
    out, err = process.communicate()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, out, err)
    found = json.loads(out.strip().splitlines()[-1])
    found["all_mb"] = peak
    return found


def _tree_pss(pid: int, own: bool = True) -> float | None:
    """Summed PSS (MB) of a process (if `own`) and all its descendants now, or None
    when there is none of them (or no /proc)."""
    total, todo, seen = 0, [pid], False
    while todo:
        current = todo.pop()
        try:
            if own or current != pid:
                with open(f"/proc/{current}/smaps_rollup", encoding="ascii") as handle:
                    total += next((int(line.split()[1]) for line in handle if line.startswith("Pss:")), 0)
                seen = True
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total / 1024 if seen else None


def preview(project: Path, saves: int) -> dict:
    """The live preview's save-to-screen time (serve_latency.py), after each save waiting
    for the search index too: what an author sees, then when search catches up."""
    from playwright.sync_api import sync_playwright
    from serve_latency import CHROMIUM, Server, find_page, measure

    source = _some_article(project)
    original = source.read_text(encoding="utf-8")
    settle(project)
    started = time.perf_counter()
    server = Server(project)
    first = time.perf_counter() - started
    indexing: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            rel = source.relative_to(project / "articles")
            page_url = server.url + find_page(project / ".healthhub-preview" / "site", rel)
            latencies, builds = measure(page, server, source, page_url, saves, indexing)
            browser.close()
    finally:
        server.stop()
        source.write_text(original, encoding="utf-8")
    return {"seconds": statistics.median(latencies) / 1000, "build": statistics.median(builds) / 1000,
            "index": statistics.median(indexing) / 1000, "start": first,
            "all": [round(ms / 1000, 3) for ms in latencies]}


# --- the floor ------------------------------------------------------------------------------

FLOOR_PAGE = ("<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ title }}</title></head>"
              "<body><h1>{{ title }}</h1><p>{{ date }} · {{ category }}</p>{{ body }}</body></html>")


def _floor_chunk(task: tuple[list[str], str]) -> int:
    import jinja2
    import markupsafe
    import yaml

    from healthhub.loading.markup import MarkdownConverter

    files, out = task
    converter = MarkdownConverter()
    page = jinja2.Environment(autoescape=True).from_string(FLOOR_PAGE)
    written = 0
    for name in files:
        with open(name, "rb") as handle:
            text = handle.read().decode("utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        html = converter.convert(body).html
        data = page.render(title=meta["title"], date=meta["date"], category=meta["category"],
                           body=markupsafe.Markup(html)).encode()
        with open(os.path.join(out, os.path.basename(name)[:-3] + ".html"), "wb") as handle:
            handle.write(data)
        written += 1
    return written


def floor(articles: Path) -> dict:
    files = sorted(os.fspath(p) for p in articles.rglob("*.md"))
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    out = tempfile.mkdtemp(prefix="healthhub-floor-")
    try:
        tasks = [(files[i::jobs * 8], out) for i in range(jobs * 8)]
        started, cpu = time.perf_counter(), _cpu()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pool.map(_floor_chunk, tasks)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "cpu": cpu, "jobs": jobs, "peak_mb": _peak()}


def edit_floor(project: Path) -> dict:
    """The edit floor (see the module's docstring), on a site built by the scenarios;
    it leaves the site as it was but for the folder it renamed in (.site-floor-done,
    removed by the caller, as HealthHub leaves the previous site to a background
    remover). Run as a command (edit_floor_command), timed like the scenarios from
    Python's start: the imports any generator on this stack needs are counted."""
    import jinja2
    import markupsafe
    import yaml

    from healthhub.loading.markup import MarkdownConverter

    site, new = project / "site", project / ".site-floor-new"
    shutil.rmtree(new, ignore_errors=True)
    converter = MarkdownConverter()
    page = jinja2.Environment(autoescape=True).from_string(FLOOR_PAGE)
    edited = os.fspath(_some_article(project))
    started, cpu = time.perf_counter(), _cpu()
    folders = [os.fspath(project / "articles")]
    stats = 0
    while folders:  # every article file's stat: which one changed?
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    entry.stat()
                    stats += 1
    with open(edited, "rb") as handle:
        text = handle.read().decode("utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    data = page.render(title=meta["title"], date=meta["date"], category=meta["category"],
                       body=markupsafe.Markup(converter.convert(body).html)).encode()
    linked = 0
    for folder, _, files in os.walk(site):  # the rest of the site, as it was, into the new folder
        target = os.path.join(new, os.path.relpath(folder, site))
        os.makedirs(target, exist_ok=True)
        for name in files:
            os.link(os.path.join(folder, name), os.path.join(target, name))
            linked += 1
    with open(os.path.join(new, "edited.html"), "wb") as handle:
        handle.write(data)
    os.rename(new, project / ".site-floor-done")  # the swap (HealthHub exchanges the two folders in one call)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {"seconds": seconds, "cpu": cpu, "stats": stats, "linked": linked}


def edit_floor_command(project: Path) -> dict:
    """The edit floor as a command: wall and CPU seconds from the process's start to its exit."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    settle(project)
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run([sys.executable, __file__, "--edit-floor", str(project)], env=env, capture_output=True, check=True)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    shutil.rmtree(project / ".site-floor-done", ignore_errors=True)
    return {"seconds": seconds, "cpu": cpu}


def floor_in_subprocess(articles: Path) -> dict:
    return run_sampled([sys.executable, __file__, "--floor", str(articles)])


# --- the table ----------------------------------------------------------------------------

def bench(shape: str, count: int, workdir: Path, runs: int, slow_runs: int, previews: int = 0) -> dict:
    project = workdir / f"{shape}-{count}"
    shutil.rmtree(project, ignore_errors=True)
    generate(count, project / "articles", seed=1, shape=shape)
    shutil.copytree(ROOT / "templates", project / "templates")
    floors = [floor_in_subprocess(project / "articles") for _ in range(slow_runs)]
    found = {"shape": shape, "size": count, "floor": statistics.median(f["seconds"] for f in floors),
             "floor_cpu": statistics.median(f["cpu"] for f in floors),
             "floor_all_mb": max((f["all_mb"] for f in floors if f.get("all_mb") is not None), default=None),
             "scenarios": {}}
    counter = 0
    for name, _, cheap in SCENARIOS:
        if name in ("nochange", "checknochange"):
            time.sleep(2.5)  # let file times settle: files changed in the last 2 s are always re-read
        results = []
        for _ in range(runs if cheap else slow_runs):
            counter += 1
            if name == "nochange":
                time.sleep(0.1)
            results.append(in_subprocess(project, name, counter))
            if name in ("edit", "add"):
                time.sleep(2.1)  # the next run's edit is not within the 2 s every build re-reads
        found["scenarios"][name] = {
            "seconds": statistics.median(r["seconds"] for r in results),
            "cpu": statistics.median(r["cpu"] for r in results),
            "all": [round(r["seconds"], 3) for r in results],
            "peak_mb": max(r["peak_mb"] for r in results),
            "all_mb": max((r["all_mb"] for r in results if r.get("all_mb") is not None), default=None),
            "rendered": results[-1]["rendered"], "parsed": results[-1]["parsed"], "pages": results[-1]["pages"],
            "stages": results[-1].get("stages", []),
        }
    settle(project)
    floors = [edit_floor_command(project) for _ in range(runs)]
    found["edit_floor"] = statistics.median(f["seconds"] for f in floors)
    found["edit_floor_cpu"] = statistics.median(f["cpu"] for f in floors)
    if previews:
        found["preview"] = preview(project, previews)
    return found


def bench_site(project: Path, runs: int) -> list[str]:
    """`check` on an existing site folder (e.g. one imported from ../shared/realsites):
    with no cache, with the build cache of an earlier check, and with nothing changed."""
    (project / ".healthhub-cache").mkdir(exist_ok=True)
    lines = ["| site | articles | check, no cache | check, parsed articles cached | check (no change) |",
             "|---|---:|---:|---:|---:|"]
    found = {}
    for name in ("checkcold", "check", "checknochange"):
        if name == "checknochange":
            time.sleep(2.5)  # files changed in the last 2 s are always re-read
        results = [in_subprocess(project, name, counter) for counter in range(runs)]
        found[name] = (statistics.median(r["seconds"] for r in results), statistics.median(r["cpu"] for r in results),
                       results[-1]["parsed"])
    cell = {name: f"{seconds:.2f} s ({cpu:.2f})" for name, (seconds, cpu, _) in found.items()}
    lines.append(f"| {project.name} | {found['check'][2]:,} | {cell['checkcold']} | {cell['check']} | "
                 f"{cell['checknochange']} |")
    return lines


def table(results: list[dict]) -> list[str]:
    """Wall time (median) with CPU time in brackets; the cold build's ratio to the floor in both."""
    lines = ["| shape | articles | floor | cold | cold / floor | no change | one edited | edit floor | "
             "template edited | one added | check | check (no change) | peak memory: largest process / all processes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for found in results:
        s = found["scenarios"]
        cell = {name: f"{s[name]['seconds']:.2f} s ({s[name]['cpu']:.2f})" for name in s}
        edit_floor = f"{found['edit_floor']:.2f} s ({found['edit_floor_cpu']:.2f})" if "edit_floor" in found else "–"
        lines.append(f"| {found['shape']} | {found['size']:,} | {found['floor']:.2f} s ({found['floor_cpu']:.2f}) | "
                     f"{cell['cold']} | {s['cold']['seconds'] / found['floor']:.2f}x "
                     f"({s['cold']['cpu'] / found['floor_cpu']:.2f}x) | {cell['nochange']} | {cell['edit']} | "
                     f"{edit_floor} | {cell['template']} | {cell['add']} | {cell['check']} | {cell['checknochange']} | "
                     f"{max(v['peak_mb'] for v in s.values()):.0f} MB / {_all_mb(s)} |")
    previews = [found for found in results if "preview" in found]
    if previews:  # the live preview (--preview): its own table, its numbers are not build times
        lines += ["", "| shape | articles | preview: save → new text painted | of which the build | "
                  "then the search index (background) | server start (cold build) |", "|---|---:|---:|---:|---:|---:|"]
        for found in previews:
            p = found["preview"]
            lines.append(f"| {found['shape']} | {found['size']:,} | {p['seconds'] * 1000:.0f} ms | "
                         f"{p['build'] * 1000:.0f} ms | {p['index']:.2f} s | {p['start']:.1f} s |")
    return lines


def _all_mb(scenarios: dict) -> str:
    found = [v["all_mb"] for v in scenarios.values() if v.get("all_mb") is not None]
    return f"{max(found):.0f} MB" if found else "?"


def growth(results: list[dict]) -> list[str]:
    """How each shape grows with size: cold CPU seconds per 1,000 articles at each size and
    the ratio of the largest size's to the smallest's (the target: within 1.3x), and the
    one-article edit at each size (it should not grow with the site)."""
    lines = ["| shape | sizes | cold CPU s per 1,000 articles | largest / smallest | one edited (wall) |",
             "|---|---|---|---:|---|"]
    for shape in dict.fromkeys(r["shape"] for r in results):
        rows = sorted((r for r in results if r["shape"] == shape), key=lambda r: r["size"])
        if len(rows) < 2:
            continue
        per = [r["scenarios"]["cold"]["cpu"] / r["size"] * 1000 for r in rows]
        sizes = " / ".join(f"{r['size']:,}" for r in rows)
        cold = " / ".join(f"{value:.2f}" for value in per)
        edits = " / ".join(f"{r['scenarios']['edit']['seconds']:.2f} s" for r in rows)
        lines.append(f"| {shape} | {sizes} | {cold} | {per[-1] / per[0]:.2f}x | {edits} |")
    return lines if len(lines) > 2 else []


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, (cold, edit) = plt.subplots(1, 2, figsize=(11, 4.5))
    for shape in dict.fromkeys(r["shape"] for r in results):
        rows = sorted((r for r in results if r["shape"] == shape), key=lambda r: r["size"])
        sizes = [r["size"] for r in rows]
        cold.plot(sizes, [r["scenarios"]["cold"]["seconds"] for r in rows], marker="o", label=shape)
        edit.plot(sizes, [r["scenarios"]["edit"]["seconds"] for r in rows], marker="o", label=shape)
    floors = sorted({(r["size"], r["floor"]) for r in results if r["shape"] == "current"})
    if floors:
        cold.plot([f[0] for f in floors], [f[1] for f in floors], linestyle="--", color="grey", label="floor (current)")
    edit_floors = sorted({(r["size"], r["edit_floor"]) for r in results if r["shape"] == "current" and "edit_floor" in r})
    if edit_floors:
        edit.plot([f[0] for f in edit_floors], [f[1] for f in edit_floors], linestyle="--", color="grey",
                  label="edit floor (current)")
    for axes, title in ((cold, "cold build"), (edit, "one article edited")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xticks(sorted({r["size"] for r in results}))
        axes.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        for formatter in (axes.yaxis.set_major_formatter, axes.yaxis.set_minor_formatter):
            formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axes.set_xlabel("articles")
        axes.set_ylabel("seconds (median)")
        axes.set_title(title)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        print(json.dumps(run_scenario(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--edit-floor":
        print(json.dumps(edit_floor(Path(sys.argv[2]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        print(json.dumps(floor(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description="Benchmark HealthHub builds.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated shapes (default: {','.join(SHAPES)})")
    parser.add_argument("--runs", type=int, default=3, help="runs of the cheap scenarios; the median is shown")
    parser.add_argument("--slow-runs", type=int, default=1,
                        help="runs of the floor, cold builds, template edits and check (default 1)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate the sites (default: a temp folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--plot", type=Path, default=None, help="draw time against size into this PNG")
    parser.add_argument("--preview", type=int, default=0, metavar="SAVES",
                        help="also time the live preview's save-to-screen over this many saves (default 0: not); "
                        "needs Playwright and Chromium")
    parser.add_argument("--add-to", type=Path, default=None,
                        help="start from the results in this --json file of an earlier run (e.g. 30,000 articles "
                             "for one shape only) and show, plot and save them all together")
    parser.add_argument("--site", type=Path, action="append", default=[],
                        help="instead: time `check` on this existing site folder (repeat for several)")
    args = parser.parse_args()
    compile_bytecode()
    if args.site:
        lines = []
        for project in args.site:
            lines += bench_site(project.absolute(), args.runs)[0 if not lines else 2:]
        print("\n".join(lines))
        print(f"Medians of {args.runs} runs, wall time (CPU time); load average {os.getloadavg()[0]:.1f}.")
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="healthhub-bench-"))
    results = json.loads(args.add_to.read_text(encoding="utf-8")) if args.add_to else []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            for shape in args.shapes.split(","):
                results.append(bench(shape, size, workdir, args.runs, args.slow_runs, args.preview))
                shutil.rmtree(workdir / f"{shape}-{size}", ignore_errors=True)
                print("\n".join(table(results)), flush=True)
                print(flush=True)
                if args.json:
                    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if growth(results):
        print("\n".join(growth(results)), flush=True)
    if args.plot:
        plot(results, args.plot)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.runs} runs "
          f"({args.slow_runs} for the floor, cold builds, template edits and check); "
          f"load average at the end {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    main()
