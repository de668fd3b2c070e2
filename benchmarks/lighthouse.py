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
    args = parser.parse_args()
    if not (ROOT / "node_modules" / ".bin" / "lighthouse").exists():
        print("lighthouse is not installed: run `npm ci` (or `bash test.sh`) first", file=sys.stderr)
        return 2
    reports = ROOT / "test-artifacts" / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_sample_site(site)
        article = sorted(site.glob("health/*.html"))[0].relative_to(site).as_posix()
        server, base = serve(site)
        try:
            rows = []
            for name, path in (("home", "index.html"), ("article", article)):
                result = lighthouse(base + path, reports / f"{name}-{args.preset}.json", args.preset)
                scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
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
