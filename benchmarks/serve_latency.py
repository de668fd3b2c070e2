"""How long from saving an article to seeing the new text in the browser?

    python benchmarks/serve_latency.py [--edits 7] [--articles 1000]

Starts `python build.py serve` on a copy of the sample site and on a generated
site, opens an article in headless Chromium, then saves new text into that
article several times. For each save: the time from just before the file is
written to the first paint of the reloaded page (read from the browser's own
Performance timeline, so how often the benchmark polls does not matter), and
the build time the server printed. Prints a table of medians. (A save that changes only
pages is applied to the open page without a reload: then until the frame after the one
that shows it.)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SAMPLE_ARTICLE = "articles/health/back-pain-after-jogging.md"
# The sample site is in three languages: an edit to its Arabic article is measured too.
SAMPLE_ARABIC_ARTICLE = "articles/ar/health/fahm-qiraat-daght-al-dam.md"


# --- sites -----------------------------------------------------------------------------

def sample_site(where: Path, article: str = SAMPLE_ARTICLE) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "articles", where / "articles")
    shutil.copytree(ROOT / "templates", where / "templates")
    shutil.copy(ROOT / "healthhub.yaml", where / "healthhub.yaml")
    return where, where / article


def generated_site(where: Path, count: int) -> tuple[Path, Path]:
    """`count` articles, from benchmarks/corpus.py when it is there, else simple ones."""
    shutil.copytree(ROOT / "templates", where / "templates")
    articles = where / "articles"
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from corpus import generate  # type: ignore[import-not-found]
        files = sorted(generate(count, articles, seed=1))
    except ImportError:
        files = simple_corpus(count, articles)
    return where, files[len(files) // 2]


def simple_corpus(count: int, articles: Path) -> list[Path]:
    categories = ["Health", "Fitness", "Nutrition", "Mental Health", "Sleep"]
    tags = ["running", "stress", "sleep", "protein", "hydration", "salt", "walking", "posture"]
    paragraph = ("Regular movement, enough sleep and a varied diet support most of the body's systems. "
                 "Small steady changes are easier to keep than large sudden ones, and a doctor can help "
                 "when a symptom is new, severe or does not improve. ") * 3
    files = []
    for n in range(count):
        category = categories[n % len(categories)]
        folder = articles / category.lower().replace(" ", "-")
        folder.mkdir(parents=True, exist_ok=True)
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        path = folder / f"article-{n:05d}.md"
        path.write_text(
            "---\n"
            f"title: Article number {n}\n"
            f"category: {category}\n"
            f"date: 2024-{month:02d}-{day:02d}\n"
            f"views: {(n * 7919) % 5000}\n"
            f"tags: [{tags[n % len(tags)]}, {tags[(n * 3) % len(tags)]}]\n"
            "---\n\n"
            + "\n\n".join(f"## Part {k}\n\n{paragraph}" for k in range(1, 5)) + "\n",
            encoding="utf-8",
        )
        files.append(path)
    return files


# --- the server ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, root: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(self.port), *extra],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            # As a user's machine runs it: with bytecode written (this machine sets
            # PYTHONDONTWRITEBYTECODE, which would compile HealthHub from source at each start).
            env={**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT)},
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(r"Serving http://", 0, timeout=600)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, start: int, timeout: float = 300) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server stopped or never printed " + pattern + ":\n" + "\n".join(self.lines))
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=120)


# --- measuring ---------------------------------------------------------------------------

# When the save's page was on the screen, as a time since the epoch (ms). The preview
# applies a save that changed only pages to the open page in place (serving/browser/
# preview.js): then it is the "healthhub-painted" mark the script makes in the frame after
# the one that showed the new page (so at most a frame late); after a reload, the first
# contentful paint of the new page.
PAINTED_AT = """() => new Promise(resolve => {
  const look = () => {
    const applied = performance.getEntriesByName('healthhub-applied');
    const painted = performance.getEntriesByName('healthhub-painted');
    if (applied.length) {
      if (painted.length < applied.length) return requestAnimationFrame(look);
      return resolve(performance.timeOrigin + painted[painted.length - 1].startTime);
    }
    const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
    const nav = performance.getEntriesByType('navigation')[0];
    resolve(performance.timeOrigin + (paint ? paint.startTime : nav.domContentLoadedEventEnd));
  };
  look();
})"""


def measure(page, server: Server, source: Path, page_url: str, edits: int,
            indexing: list[float] | None = None, pause: float = 0.3) -> tuple[list[float], list[float]]:
    """Save-to-screen and build times (ms) of `edits` saves, `pause` seconds apart once
    the page shows a save; with `indexing`, each save's search index is waited for too
    and its time (ms) appended there."""
    from playwright.sync_api import expect

    page.goto(page_url)
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=60_000)
    original = source.read_text(encoding="utf-8")
    head, sep, body = original.partition("\n---\n")
    latencies, builds = [], []
    for n in range(edits):
        marker = f"Latency marker {n} {time.time_ns()}"
        start_line = len(server.lines)
        saved_at = time.time() * 1000
        source.write_text(f"{head}{sep}\n{marker}.\n{body}", encoding="utf-8")
        expect(page.locator(".article-body")).to_contain_text(marker, timeout=300_000)
        latencies.append(page.evaluate(PAINTED_AT) - saved_at)
        built = server.wait_for(r"^Built \d+ articles? after a change .* in ([\d.]+) s", start_line)
        builds.append(float(built.group(1)) * 1000)
        if indexing is not None:
            indexed = server.wait_for(r"^Search index up to date in ([\d.]+) s", start_line, timeout=900)
            indexing.append(float(indexed.group(1)) * 1000)
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7",
                               timeout=60_000)
        time.sleep(pause)  # let the machine settle between edits (an author reads before saving again)
    return latencies, builds


def run(name: str, root: Path, source: Path, edits: int, browser,
        extra: tuple[str, ...] = (), pause: float = 0.3) -> tuple[str, int, int, float, float, float, float]:
    server = Server(root, extra)
    try:
        context = browser.new_context()
        page = context.new_page()
        rel = source.relative_to(root / "articles")
        # the article's page: same folder and name unless a slug says otherwise
        page_url = server.url + find_page(root / ".healthhub-preview" / "site", rel)
        latencies, builds = measure(page, server, source, page_url, edits, pause=pause)
        context.close()
    finally:
        server.stop()
    count = len(list((root / "articles").rglob("*.md")))
    return (name, count, edits, statistics.median(latencies), min(latencies), max(latencies),
            statistics.median(builds))


def find_page(site: Path, rel: Path) -> str:
    stem = rel.name.rsplit(".", 1)[0]
    matches = sorted(site.glob(f"*/{stem}.html")) or sorted(site.glob(f"{rel.parts[0]}/*/{stem}.html"))
    if not matches:
        raise SystemExit(f"no page for {rel} in {site}")
    return matches[0].relative_to(site).as_posix()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=7, help="saves per site (default: 7)")
    parser.add_argument("--articles", type=int, default=1000, help="size of the generated site (default: 1000)")
    parser.add_argument("--sample-only", action="store_true", help="measure the sample site only (in English and Arabic)")
    parser.add_argument("--serve-args", default="", help="more options for `build.py serve`, e.g. '--no-search'")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between the page showing a save and the next save (default 0.3; the "
                             "server readies the next save once nothing changed for 1 s, see Rebuilder.tidy)")
    args = parser.parse_args()
    extra = tuple(args.serve_args.split())
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="healthhub-serve-bench-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        root, source = sample_site(Path(tmp) / "sample")
        rows.append(run("sample site (3 languages), English article", root, source, args.edits, browser, extra,
                        args.pause))
        root, source = sample_site(Path(tmp) / "sample-ar", SAMPLE_ARABIC_ARTICLE)
        rows.append(run("sample site (3 languages), Arabic article", root, source, args.edits, browser, extra,
                        args.pause))
        if not args.sample_only:
            root, source = generated_site(Path(tmp) / "generated", args.articles)
            rows.append(run(f"generated, {args.articles} articles", root, source, args.edits, browser, extra,
                            args.pause))
        browser.close()

    print()
    print("| site | articles | saves | save → new text painted, median | min | max | build, median |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, count, edits, median, low, high, build_ms in rows:
        print(f"| {name} | {count} | {edits} | {median:.0f} ms | {low:.0f} ms | {high:.0f} ms | {build_ms:.0f} ms |")


if __name__ == "__main__":
    main()
