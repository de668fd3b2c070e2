"""Checkers for a built site, as plain functions returning lists of problems.

Each problem is one line that names the page (a path relative to the site
folder) and what is wrong with it, so a failing test reads like a to-do list.
The real-site tests and the broken-page tests call the same functions.

Tools: the W3C Nu HTML checker (npm vnu-jar, run with java), axe-core (npm)
injected into a Playwright page, feedparser, xmllint with the sitemap schema
shipped by the npm package `sitemap`, and Debian's Chromium. `bash test.sh`
installs all of them; when one is missing the check fails saying how to
install it (a skipped check would pass silently on a machine without it).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import posixpath
import shutil
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
SITEMAP_XSD = NODE_MODULES / "sitemap" / "schema" / "sitemap.xsd"
XHTML_LINK_XSD = Path(__file__).resolve().parent / "schemas" / "xhtml-link.xsd"
SITEMAP_INDEX_XSD = Path(__file__).resolve().parent / "schemas" / "sitemap-index.xsd"
SITEMAP_WITH_ALTERNATES = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{sitemap}"/>
  <xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="{xhtml}"/>
</xsd:schema>
"""
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_HINT = "run `bash test.sh`, which installs the test tools"

ATOM_NS = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FEED_TYPES = ("application/atom+xml", "application/rss+xml")


class ToolMissing(Exception):
    """A test tool is not installed; the message says how to install it."""


def require_file(path: Path, what: str, hint: str = INSTALL_HINT) -> Path:
    if not path.is_file():
        raise ToolMissing(f"{what} not found at {path}: {hint}")
    return path


def require_command(name: str, debian_package: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ToolMissing(f"`{name}` is not installed: apt-get install -y {debian_package} (or {INSTALL_HINT})")
    return found


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def stylesheets(site: Path) -> list[Path]:
    return sorted(site.rglob("*.css"))


def rel(site: Path, path: Path) -> str:
    return path.relative_to(site).as_posix()


# --- W3C Nu HTML checker -------------------------------------------------------

def run_vnu(files: list[Path], site: Path) -> list[str]:
    """Validate HTML files with the Nu checker in ONE java call (and .css files
    in a second one): 'page:line: message'."""
    html = [f for f in files if f.suffix != ".css"]
    css = [f for f in files if f.suffix == ".css"]
    # Separate calls: --also-check-css shifts the HTML line numbers by one.
    return (_vnu(html, site, []) if html else []) + (_vnu(css, site, ["--css"]) if css else [])


def _vnu(files: list[Path], site: Path, flags: list[str]) -> list[str]:
    java = require_command("java", "default-jre-headless")
    jar = require_file(VNU_JAR, "the Nu HTML checker (npm package vnu-jar)")
    result = subprocess.run(
        [java, "-jar", str(jar), *flags, "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError:
        return [f"the Nu checker did not report JSON (exit {result.returncode}): {result.stderr.strip()[:500]}"]
    problems = []
    site = site.resolve()
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        path = Path(unquote(urlsplit(message.get("url", "")).path)).resolve()
        page = rel(site, path) if path.is_relative_to(site) else str(path)
        line = message.get("lastLine", message.get("firstLine", "?"))
        problems.append(f"{page}:{line}: {message.get('message', '').strip()}")
    return problems


# --- Links ---------------------------------------------------------------------

URL_ATTRIBUTES = {
    "a": ("href",), "area": ("href",), "link": ("href",),
    "img": ("src",), "script": ("src",), "source": ("src",), "iframe": ("src",),
    "audio": ("src",), "video": ("src", "poster"), "track": ("src",), "embed": ("src",),
}


class PageParser(HTMLParser):
    """Collects the ids of a page and the URLs it refers to, with line numbers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, int] = {}
        self.duplicate_ids: list[tuple[str, int]] = []
        self.urls: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = dict(attrs)
        for name in ("id",) + (("name",) if tag == "a" else ()):
            ident = values.get(name)
            if ident is None:
                continue
            if name == "id" and ident in self.ids:
                self.duplicate_ids.append((ident, line))
            self.ids.setdefault(ident, line)
        for attr in URL_ATTRIBUTES.get(tag, ()):
            if values.get(attr) is not None:
                self.urls.append((values[attr], line))
        if values.get("srcset"):
            for candidate in values["srcset"].split(","):
                if candidate.strip():
                    self.urls.append((candidate.split()[0], line))

    handle_startendtag = handle_starttag


@functools.lru_cache(maxsize=None)
def _parse_cached(path: Path, mtime_ns: int, size: int) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def parse_page(path: Path) -> PageParser:
    stat = path.stat()
    return _parse_cached(path, stat.st_mtime_ns, stat.st_size)


# Pages that a server shows at any URL depth, so they link from the site's root
# path (render._root_prefix): the 404 page, and each language's (es/404.html);
# every other page must link relatively.
ROOT_RELATIVE_PAGES = frozenset({"404.html"})


def links_from_root(page_rel: str) -> bool:
    return posixpath.basename(page_rel) in ROOT_RELATIVE_PAGES


def check_links(site: Path, root_path: str = "/") -> list[str]:
    """Every internal href/src of every page leads to a file in the site and
    every #fragment to an id on the target page; ids are unique per page.
    root_path is the URL path the site is published at (from base_url)."""
    site = site.resolve()
    problems = []
    for page in html_pages(site):
        page_rel = rel(site, page)
        parsed = parse_page(page)
        for ident, line in parsed.duplicate_ids:
            problems.append(f"{page_rel}:{line}: duplicate id '{ident}' (a #{ident} link cannot tell which one)")
        for url, line in parsed.urls:
            problem = check_url(site, page_rel, url.strip(), root_path)
            if problem:
                problems.append(f"{page_rel}:{line}: link to '{url}' {problem}")
    return problems


def check_url(site: Path, page_rel: str, url: str, root_path: str = "/") -> str | None:
    """Why an internal URL on page_rel is broken, or None when it works."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None  # external (https:, mailto:, data:, ...): not ours to crawl
    target_rel = page_rel
    if parts.path.startswith("/"):
        if not links_from_root(page_rel):
            return "is root-relative: it breaks under a subpath and from file://, use a relative URL"
        if not parts.path.startswith(root_path):
            return f"is outside the site's root path {root_path}"
        target_rel = posixpath.normpath(unquote(parts.path[len(root_path):]) or ".")
    elif parts.path:
        target_rel = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), unquote(parts.path)))
        if target_rel == ".." or target_rel.startswith("../"):
            return "points outside the site folder"
    target = site / target_rel
    if target.is_dir():
        return "names a folder: link to its index.html so it also works from file://"
    if not target.is_file():
        return f"is dead: {target_rel} does not exist"
    if parts.fragment:
        if target.suffix != ".html":
            return None
        fragment = unquote(parts.fragment)
        if fragment not in parse_page(target).ids:
            return f"is dead: {target_rel} has no id '{fragment}'"
    return None


# --- Feeds and sitemap -------------------------------------------------------------

def xml_root_tag(path: Path) -> str | None:
    try:
        for _event, element in ET.iterparse(path, events=("start",)):
            return element.tag
    except ET.ParseError:
        return None
    return None


def find_feeds(site: Path, root_path: str = "/") -> tuple[list[Path], list[str]]:
    """Every feed of the site: *.xml files whose root is an Atom feed or RSS,
    plus every <link rel="alternate" type="application/atom+xml"> target.
    Returns (feed files, problems with the links that announce them)."""
    site = site.resolve()
    feeds: set[Path] = set()
    problems = []
    for path in sorted(site.rglob("*.xml")):
        if path.name == "sitemap.xml":
            continue
        tag = xml_root_tag(path)
        if tag in (f"{ATOM_NS}feed", "rss") or (tag is None and "feed" in path.name):
            feeds.add(path)
    for page in html_pages(site):
        page_rel = rel(site, page)
        for href, line in alternate_feed_links(page):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # an absolute feed URL: the feed file itself is found above
            problem = check_url(site, page_rel, href, root_path)
            if problem:
                problems.append(f"{page_rel}:{line}: feed link to '{href}' {problem}")
            elif parts.path.startswith("/"):
                feeds.add(site / unquote(parts.path[len(root_path):]))
            else:
                feeds.add((page.parent / unquote(parts.path)).resolve())
    return sorted(feeds), problems


def alternate_feed_links(page: Path) -> list[tuple[str, int]]:
    links = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if (tag == "link" and "alternate" in (values.get("rel") or "").split()
                    and values.get("type") in FEED_TYPES and values.get("href")):
                links.append((values["href"], self.getpos()[0]))

    finder = Finder()
    finder.feed(page.read_text(encoding="utf-8"))
    return links


def validate_feed(path: Path, site: Path, base_url: str | None = None) -> list[str]:
    """A feed parses without error (feedparser bozo is false), has a title and
    entries with title, link and id; links under base_url name existing pages."""
    import feedparser

    name = rel(site.resolve(), path.resolve()) if path.resolve().is_relative_to(site.resolve()) else str(path)
    parsed = feedparser.parse(path.read_bytes())
    problems = []
    if parsed.bozo:
        return [f"{name}: not a well-formed feed: {parsed.bozo_exception}"]
    if not parsed.version:
        problems.append(f"{name}: feedparser does not recognise it as Atom or RSS")
    if not parsed.feed.get("title"):
        problems.append(f"{name}: the feed has no title")
    for number, entry in enumerate(parsed.entries, 1):
        for key in ("title", "link", "id"):
            if not entry.get(key):
                problems.append(f"{name}: entry {number} has no {key}")
        link = entry.get("link", "")
        if base_url and link.startswith(base_url):
            problem = local_file_problem(site, link[len(base_url):])
            if problem:
                problems.append(f"{name}: entry {number} links to {link}, {problem}")
    return problems


def validate_sitemap(path: Path, site: Path, base_url: str | None = None) -> list[str]:
    """xmllint validates the sitemap against the sitemaps.org schema; every
    <loc> under base_url names a page that exists in the site."""
    xmllint = require_command("xmllint", "libxml2-utils")
    xsd = require_file(SITEMAP_XSD, "the sitemap schema (npm package sitemap)")
    if b"<sitemapindex" in path.read_bytes():  # a big site's index of its sitemaps (schemas/sitemap-index.xsd)
        xsd = SITEMAP_INDEX_XSD
    name = rel(site.resolve(), path.resolve()) if path.resolve().is_relative_to(site.resolve()) else str(path)
    with tempfile.TemporaryDirectory() as folder:
        if b'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in path.read_bytes():
            # Language alternates (<xhtml:link>): the sitemap schema's strict wildcard
            # needs a declaration of that element too.
            xsd = Path(folder) / "sitemap-with-alternates.xsd"
            xsd.write_text(SITEMAP_WITH_ALTERNATES.format(sitemap=require_file(SITEMAP_XSD, "the sitemap schema").as_uri(),
                                                          xhtml=XHTML_LINK_XSD.as_uri()), encoding="utf-8")
        result = subprocess.run([xmllint, "--noout", "--schema", str(xsd), str(path)],
                                capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith("fails to validate")]
        return [f"{name}: {line.replace(str(path), name)}" for line in lines] or [f"{name}: fails to validate"]
    problems = []
    if base_url:
        for loc in ET.parse(path).getroot().iter(f"{SITEMAP_NS}loc"):
            url = (loc.text or "").strip()
            if not url.startswith(base_url):
                problems.append(f"{name}: <loc>{url}</loc> is not under the site's base_url {base_url}")
                continue
            problem = local_file_problem(site, url[len(base_url):])
            if problem:
                problems.append(f"{name}: <loc>{url}</loc> {problem}")
    return problems


def local_file_problem(site: Path, url_path: str) -> str | None:
    path = unquote(urlsplit(url_path).path)
    target = site / path
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return None if target.is_file() else f"but {rel(site, target) if target.is_relative_to(site) else target} does not exist"


# --- Browser -----------------------------------------------------------------------

def launch_chromium(playwright):
    """Debian's Chromium (Playwright cannot download browsers here)."""
    if not CHROMIUM.exists():
        raise ToolMissing(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium (or {INSTALL_HINT})")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def run_axe(page) -> list[str]:
    """Inject axe-core into the page and run it: one line per violation and node."""
    page.add_script_tag(content=require_file(AXE_JS, "axe-core (npm package axe-core)").read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''}))}));
    }""")
    problems = []
    for violation in result:
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            problems.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at `{node['target']}`: {summary}")
    return problems


def axe_light_and_dark(browser, site: Path, pages: list[str], before: str = "") -> list[str]:
    """axe on each page (relative to site, opened from disk) in the light and the dark scheme;
    `before`: script run on each page first (e.g. to open its <details>)."""
    problems = []
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            for rel in pages:
                page.goto((site / rel).as_uri())
                if before:
                    page.evaluate(before)
                problems += [f"{rel} ({scheme}): {p}" for p in run_axe(page)]
        finally:
            context.close()
    return problems


class BrowserErrors:
    """Console errors, uncaught exceptions and failed requests of a page. A request the
    browser itself cancelled (net::ERR_ABORTED: the test went on to another page while
    this one's icon or an image was still loading, as happens on a loaded machine) is
    one only when that address never loaded in the session."""

    def __init__(self, page):
        self.found: list[str] = []
        self.aborted: list[str] = []
        self.loaded: set[str] = set()
        page.on("console", lambda msg: msg.type == "error" and self.found.append(f"console error on {page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.found.append(f"uncaught exception on {page.url}: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("requestfinished", lambda req: self.loaded.add(req.url))
        page.on("response", lambda res: res.status >= 400 and self.found.append(f"HTTP {res.status} for {res.url}"))

    def _failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED":
            self.aborted.append(request.url)
        else:
            self.found.append(f"request failed: {request.url} ({request.failure})")

    @property
    def problems(self) -> list[str]:
        return self.found + [f"request failed: {url} (net::ERR_ABORTED, never loaded)"
                             for url in self.aborted if url not in self.loaded]


@contextlib.contextmanager
def serve(site: Path):
    """Serve a folder on a free port of 127.0.0.1 in a thread; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
