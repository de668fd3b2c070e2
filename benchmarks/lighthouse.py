#!/usr/bin/env python3
"""Lighthouse scores of the sample site: `python benchmarks/lighthouse.py`.

Builds the sample site into a temporary folder, serves it on 127.0.0.1 and
runs the npm `lighthouse` (from `npm ci`, which `bash test.sh` runs) with
Debian's Chromium against the home page and an article page. Prints the four
category scores and the audits that did not pass; full JSON reports go to
test-artifacts/lighthouse/.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"


def build_sample_site(out: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out)], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)


PHOTOS_ARTICLE = """---
title: Stretching after a run
category: Fitness
date: 2025-05-01
summary: "Three gentle stretches for the calves, thighs and hips after a run."
---

A few minutes of gentle stretching after a run can help you feel less stiff.

![A runner leaning against a wall to stretch a calf](calf.jpg "Calf stretch: keep the back heel down.")

## Thighs

Stand on one leg, hold the other foot behind you and keep your knees together.

![A runner holding one foot behind them to stretch the front of the thigh](thigh.jpg "Thigh stretch: stand tall.")

## Hips

Kneel on one knee and move your hips gently forward until you feel a stretch.

![A runner kneeling on one knee to stretch the hip](hip.jpg "Hip stretch: move slowly.")
"""


def build_photo_site(out: Path, project: Path) -> str:
    """A small site with one article showing three large camera-sized photos (4000x3000
    JPEGs of noise and shapes, a few MB each). Returns the article's path."""
    import random

    from PIL import Image, ImageDraw

    folder = project / "articles" / "fitness"
    folder.mkdir(parents=True)
    rng = random.Random(7)
    for name in ("calf", "thigh", "hip"):
        image = Image.effect_noise((4000, 3000), 40).convert("RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(60):
            x, y = rng.randrange(4000), rng.randrange(3000)
            draw.ellipse((x, y, x + rng.randrange(100, 900), y + rng.randrange(100, 900)),
                         fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image.save(folder / f"{name}.jpg", quality=90)
    (folder / "stretching.md").write_text(PHOTOS_ARTICLE, encoding="utf-8")
    (project / "healthhub.yaml").write_text("base_url: http://127.0.0.1/\n", encoding="utf-8")
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out), "--templates", str(ROOT / "templates"),
                    "--no-search"], cwd=project, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   stdout=subprocess.DEVNULL)
    return "fitness/stretching.html"


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def lighthouse(url: str, report: Path, preset: str) -> dict:
    command = ["npx", "--no-install", "lighthouse", url, "--quiet", "--output=json", f"--output-path={report}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"})
    return json.loads(report.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile",
                        help="Lighthouse's form factor and throttling (default: mobile, as PageSpeed Insights)")
    parser.add_argument("--photos", action="store_true",
                        help="an article with three large photos (responsive images) instead of the sample site")
    parser.add_argument("--runs", type=int, default=1,
                        help="run Lighthouse this many times per page and report the medians (default 1)")
    args = parser.parse_args()
    if not (ROOT / "node_modules" / ".bin" / "lighthouse").exists():
        print("lighthouse is not installed: run `npm ci` (or `bash test.sh`) first", file=sys.stderr)
        return 2
    reports = ROOT / "test-artifacts" / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if args.photos:
            pages = (("photos", build_photo_site(site, Path(tmp) / "project")),)
        else:
            build_sample_site(site)
            article = sorted(site.glob("health/*.html"))[0].relative_to(site).as_posix()
            pages = (("home", "index.html"), ("article", article))
        server, base = serve(site)
        try:
            rows = []
            for name, path in pages:
                runs = []
                for run in range(max(1, args.runs)):
                    result = lighthouse(base + path, reports / f"{name}-{args.preset}-{run + 1}.json", args.preset)
                    runs.append(result)
                    audits = result["audits"]
                    print(f"  {name} run {run + 1}: performance {round(result['categories']['performance']['score'] * 100)}, "
                          f"LCP {audits['largest-contentful-paint']['numericValue'] / 1000:.2f} s, "
                          f"CLS {audits['cumulative-layout-shift']['numericValue']:.3f}, "
                          f"TBT {audits['total-blocking-time']['numericValue']:.0f} ms, "
                          f"bytes {audits['total-byte-weight']['numericValue'] / 1024:.0f} KiB, "
                          f"CPU benchmark {result['environment']['benchmarkIndex']:.0f}", file=sys.stderr)
                scores = {c: statistics.median(round(r["categories"][c]["score"] * 100) for r in runs) for c in CATEGORIES}
                if len(runs) > 1:
                    def median(audit: str) -> float:
                        return statistics.median(r["audits"][audit]["numericValue"] for r in runs)
                    print(f"  {name} median of {len(runs)}: performance {scores['performance']}, LCP "
                          f"{median('largest-contentful-paint') / 1000:.2f} s, CLS {median('cumulative-layout-shift'):.3f}, "
                          f"TBT {median('total-blocking-time'):.0f} ms", file=sys.stderr)
                result = runs[len(runs) // 2]
                rows.append((name, path, scores))
                for category in CATEGORIES:
                    for ref in result["categories"][category]["auditRefs"]:
                        audit = result["audits"][ref["id"]]
                        if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
                            value = audit.get("displayValue", "")
                            print(f"  {name}: {category}: {audit['id']} = {audit['score']} {value}", file=sys.stderr)
        finally:
            server.shutdown()
    print(f"Lighthouse ({args.preset}) | " + " | ".join(CATEGORIES))
    for name, path, scores in rows:
        print(f"{name} ({path}) | " + " | ".join(str(scores[c]) for c in CATEGORIES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
