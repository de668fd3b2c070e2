"""Live preview: build, serve the site folder, rebuild on every save, reload the browser.

The server is a client of the build: every rebuild is the same `build()` the
command line runs (with drafts), into the same output folder, so what you see
is what `python build.py --drafts` would produce. A failed build leaves the
output folder as it was; the browser then shows the errors over the page.

Pieces: a watcher thread polls the sources (articles, templates, config) and
rebuilds; the Tornado loop serves files from the output folder and tells the
open pages through livereload's WebSocket protocol and script to reload, swap
their stylesheets, or (browser/preview.js) apply a save that changed only pages
to the page in place; after
each build, the search index is brought up to date in the background
(searchindex.py) and served from a folder of its own.
livereload's own watcher is not used: it drops any change that comes less than
three seconds after a reload, and an author must see every save.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import gc
import html
import importlib.resources
import io
import itertools
import json
import mimetypes
import operator
import os
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote

import tornado.httpserver
import tornado.netutil
import tornado.web
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado.websocket import WebSocketHandler

from ..build import BuildLocked, BuildOptions, BuildResult, build, build_lock, check_output
from ..caching.warm import WarmState
from .. import paths
from ..loading.config import DEFAULT_CONFIG_FILE
from ..loading.scan import display_path
from ..errors import ConfigError, print_diagnostics
from ..loading.model import Site
from ..loading.people import DEFAULT_AUTHORS_FILE
from ..loading.scan import Taken
from ..loading.sources import StandingParser
from ..rendering.search import INDEX_FOLDER, has_searchable_pages
from ..writing.safety import OutputRefused, output_folder
from ..writing.write import LookedAt, WriteResult, look_at_output, make_spare
from .searchindex import BackgroundIndex
from .watch import (
    FolderGuard,
    PollingWaker,
    Snapshot,
    changed_paths,
    make_waker,
    Reported,
    take_snapshot,
    update_snapshot,
    watched_folders,
)

SETTLE_SECONDS = 0.02  # a save that comes as several file events is taken as one
SETTLE_LIMIT_SECONDS = 1.0  # a folder that keeps changing is built anyway
LOCKED_RETRY_SECONDS = 0.5
# After a rebuild, once the browser has had this long to reload with no new save:
# what would slow the next rebuild down is done (Rebuilder.tidy). Long enough for
# the page to reload, short enough to come before most authors' next save.
IDLE_SECONDS = 1.0
SPARE_BEHIND = 64  # files a build wrote or removed beyond which tidy brings the spare up to date
STATUS_PATH = "/__healthhub/build"
PREVIEW_JS_PATH = "/__healthhub/preview.js"
EXIT_OK, EXIT_USAGE = 0, 2


@dataclass(frozen=True)
class ServeOptions:
    build: BuildOptions
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    debug: bool = False
    timings: bool = False  # print each build's stages (build.Timings) after its Built line


# --- watching the sources ---------------------------------------------------------

def watched_roots(options: BuildOptions) -> list[Path]:
    """What a rebuild depends on: articles (with the authors.yaml and glossary.yaml that
    may sit there), templates (with static assets), the config, people and glossary files."""
    config = options.config_path if options.config_path is not None else Path(DEFAULT_CONFIG_FILE)
    authors = options.authors_path if options.authors_path is not None else Path(DEFAULT_AUTHORS_FILE)
    return [options.articles_dir, options.templates_dir, config, authors, Path("glossary.yaml")]


# What the open pages are told to do after a build: livereload.js swaps the
# stylesheets named in place, and reloads the page for any other path except
# PAGES_ONLY, which browser/preview.js applies to the page in place.
PAGES_ONLY = "healthhub:pages"
RELOAD = "index.html"
# Sources whose change can only change pages (and feeds, the sitemap): no file a page
# loads keeps its address with new bytes, so the page fetched again is all there is to show.
PAGE_SOURCES = (".md", ".markdown", ".html", ".htm", ".yaml", ".yml", ".po")


def browser_update(changed: list[str], static_dir: Path) -> list[str]:
    """The paths the open pages are sent for a build after `changed` (source file names):
    when every change is a .css file under templates/static, their site paths
    (assets/...), so the browser swaps the stylesheets without reloading the page; when
    every change is to articles, templates, the config or catalogs, PAGES_ONLY; else
    RELOAD."""
    static = os.path.realpath(static_dir) + os.sep
    reals = [os.path.realpath(path) for path in changed]
    if reals and all(path.lower().endswith(".css") and real.startswith(static) for path, real in zip(changed, reals)):
        return [paths.asset_path(Path(os.path.relpath(real, static)).as_posix()) for real in reals]
    if reals and all(path.lower().endswith(PAGE_SOURCES) and not real.startswith(static)
                     for path, real in zip(changed, reals)):
        return [PAGES_ONLY]
    return [RELOAD]


# --- what the browser is told -------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """The result of one (re)build as the server shows it."""

    errors: tuple[str, ...] = ()  # formatted diagnostics; empty when the build succeeded
    # article source -> page path, and CATEGORY_KEY + source -> its category's page path
    pages: dict[str, str] = field(default_factory=dict)
    output_changed: bool = True


@dataclass
class ServeState:
    """What the request handlers read; changed only on the server's event loop."""

    outcome: Outcome = field(default_factory=Outcome)
    generation: int = 0  # counts the reloads sent, so a page can tell it is out of date
    instance: str = field(default_factory=lambda: secrets.token_hex(4))  # tells server runs apart
    moved: dict[str, str] = field(default_factory=dict)  # old page path -> new page path
    clients: set = field(default_factory=set)  # the open pages' WebSocket connections
    search: tuple[Path, ...] = ()  # the finished search indexes /pagefind/ is answered from, newest first

    @property
    def version(self) -> str:
        """What a page was served with; a page holding another one is out of date."""
        return f"{self.instance}-{self.generation}"


CATEGORY_KEY = "category of "


def moved_pages(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    """Pages whose article moved: a new slug or category in the same file, or one file
    renamed (one source gone and one new in the same rebuild); and category pages
    whose articles all moved to one new category (a renamed category)."""
    moved = {before[s]: after[s] for s in before.keys() & after.keys()
             if before[s] != after[s] and not s.startswith(CATEGORY_KEY)}
    targets: dict[str, set[str]] = {}
    for key in before.keys() & after.keys():
        if key.startswith(CATEGORY_KEY):
            targets.setdefault(before[key], set()).add(after[key])
    for old, new in targets.items():
        if len(new) == 1 and old not in new and old not in after.values():
            moved[old] = next(iter(new))
    gone = [before[s] for s in before.keys() - after.keys() if not s.startswith(CATEGORY_KEY)]
    new = [after[s] for s in after.keys() - before.keys() if not s.startswith(CATEGORY_KEY)]
    if len(gone) == 1 and len(new) == 1 and gone[0] != new[0]:
        moved[gone[0]] = new[0]
    return moved


def error_overlay(errors: tuple[str, ...], out_name: str) -> str:
    """An opaque panel over the (stale) page that lists the build errors."""
    count = len(errors)
    items = "".join(f"<li><pre>{html.escape(line)}</pre></li>" for line in errors)
    return (
        '<div id="hh-serve-errors" role="alert" aria-labelledby="hh-serve-errors-title">'
        "<style>"
        "#hh-serve-errors{position:fixed;inset:0;z-index:2147483647;overflow:auto;box-sizing:border-box;"
        "padding:1.5rem;background:#fff;color:#1a1a1a;font:16px/1.5 system-ui,sans-serif;text-align:left}"
        "#hh-serve-errors h2{margin:0 0 .5rem;font-size:1.4rem;color:#a4000f}"
        "#hh-serve-errors ol{padding-left:1.5rem}"
        "#hh-serve-errors pre{margin:.25rem 0;white-space:pre-wrap;overflow-wrap:anywhere;"
        "font:14px/1.45 ui-monospace,monospace;background:#fbeaea;border-left:4px solid #a4000f;padding:.5rem .75rem}"
        "#hh-serve-errors button{font:inherit;padding:.35rem .8rem;cursor:pointer}"
        "@media (prefers-color-scheme:dark){#hh-serve-errors{background:#161616;color:#eee}"
        "#hh-serve-errors h2{color:#ff8a8a}#hh-serve-errors pre{background:#3a1c1c;border-color:#ff8a8a;color:#fff}}"
        "</style>"
        f'<h2 id="hh-serve-errors-title">The site did not build: {count} error{"s" * (count != 1)}</h2>'
        "<p>Fix the file and save: this page updates by itself. "
        f"Until then {html.escape(out_name)}/ keeps the last good build, which is what is under this panel.</p>"
        f"<ol>{items}</ol>"
        '<p><button type="button" onclick="this.closest(\'#hh-serve-errors\').hidden=true">'
        "Hide this panel and show the last good page</button></p>"
        "</div>"
    )


def preview_script(version: str) -> str:
    """The preview's script tag (browser/preview.js): it connects to this server, applies
    a save that changed only pages to the open page in place, and after each
    (re)connection reloads the page if it is older than `version` (a save made while the
    page was loading would otherwise be missed)."""
    return (f'<script src="{PREVIEW_JS_PATH}" data-healthhub-preview data-pages="{PAGES_ONLY}" '
            f'data-status="{STATUS_PATH}" data-version="{html.escape(version, quote=True)}"></script>')


@functools.cache
def preview_js() -> bytes:
    """morphdom (MIT, vendored in browser/: the DOM morphing Eleventy's and Phoenix's
    previews use) then HealthHub's preview script, as one file. morphdom is given a
    `module` of its own so that it defines no global in the author's page."""
    folder = importlib.resources.files(__package__) / "browser"
    return b"".join((
        b"(function(){var module={exports:{}},exports=module.exports;\n",
        (folder / "morphdom-umd.min.js").read_bytes(),
        b"\nvar morphdom=module.exports;\n",
        (folder / "preview.js").read_bytes(),
        b"})();\n",
    ))


def inject(page: bytes, extra: str) -> bytes:
    """Put `extra` just before the last </body> (or at the end)."""
    lower = page.lower()
    at = lower.rfind(b"</body>")
    data = extra.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


# --- serving the site folder --------------------------------------------------------

def site_file(root: Path, url_path: str) -> tuple[Path | None, bool]:
    """The file a URL path names inside the site folder: (path or None, is_folder).

    Refuses anything that would leave the folder: '..' segments (also when
    percent-encoded), backslashes, NUL bytes, and symbolic links pointing outside.
    """
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None, False
    if "\x00" in decoded or "\\" in decoded or not decoded.startswith("/"):
        return None, False
    segments = decoded.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return None, False
    rel = "/".join(s for s in segments if s)
    root_real = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root_real, rel)) if rel else root_real
    if target != root_real and not target.startswith(root_real + os.sep):
        return None, False
    if os.path.isdir(target):
        if decoded.endswith("/"):
            index = os.path.join(target, "index.html")
            if os.path.isfile(index) and os.path.realpath(index).startswith(root_real + os.sep):
                return Path(index), False
            return None, False
        return None, True
    if os.path.isfile(target):
        return Path(target), False
    return None, False


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def host_allowed(host_header: str, any_host: bool) -> bool:
    """A server on the loopback address answers only to loopback names, so a web page
    on another site cannot read the preview (drafts) by pointing its own name at
    127.0.0.1 (DNS rebinding)."""
    if any_host:
        return True
    name = host_header.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    else:
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    return name in LOOPBACK_NAMES or name.endswith(".localhost")


class HostCheck:
    def prepare(self):
        if not host_allowed(self.request.host, self.settings["any_host"]):
            raise tornado.web.HTTPError(403, reason="Use the address the server printed")


class SiteHandler(HostCheck, tornado.web.RequestHandler):
    """Files from the output folder; HTML pages get the reload script and, after a
    failed build, the error panel."""

    def initialize(self, root: Path, state: ServeState, out_name: str):
        self.root = root
        self.state = state
        self.out_name = out_name

    def compute_etag(self):
        return None  # every request is answered from the current build

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.clear_header("Server")

    def head(self):
        self._respond(include_body=False)

    def get(self):
        self._respond(include_body=True)

    def _respond(self, include_body: bool):
        url_path = self.request.path
        path, is_folder = self._search_file(url_path) or site_file(self.root, url_path)
        if is_folder:  # to the folder's index page, with the slash its relative links need
            segments = [s for s in unquote(url_path).split("/") if s]
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect("/" + quote("/".join(segments), safe="/.-_~") + "/" + query, permanent=False)
            return
        status = 200
        if path is None:
            wanted = unquote(url_path).lstrip("/")
            moved = self.state.moved.get(wanted + "index.html" if wanted.endswith("/") or not wanted else wanted)
            if moved and site_file(self.root, "/" + moved)[0] is not None:
                self.redirect("/" + quote(moved, safe="/.-_~"), permanent=False)
                return
            status = 404
            path = site_file(self.root, "/404.html")[0]
        data = self._read(path)
        if data is None:
            status = 404
            path = Path("404.html")
            data = (b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
                    b"</head><body><h1>Not found</h1><p>There is no page at this address.</p></body></html>")
        kind = content_type(path)
        if kind.startswith("text/html"):
            extra = preview_script(self.state.version)
            if self.state.outcome.errors:
                extra = error_overlay(self.state.outcome.errors, self.out_name) + extra
            data = inject(data, extra)
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.set_header("Content-Length", str(len(data)))
        if include_body:
            self.write(data)
        self.finish()

    def _search_file(self, url_path: str) -> tuple[Path, bool] | None:
        """A file of the newest search index that has it (see searchindex.KEPT_INDEXES)."""
        prefix = f"/{INDEX_FOLDER}/"
        if not url_path.startswith(prefix):
            return None
        for folder in self.state.search:
            path, _ = site_file(folder, url_path[len(prefix) - 1:])
            if path is not None:
                return path, False
        return None

    @staticmethod
    def _read(path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:  # the folder was swapped for a new build mid-request
            return None


class StatusHandler(HostCheck, tornado.web.RequestHandler):
    def initialize(self, state: ServeState):
        self.state = state

    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(self.state.version)


class PreviewScriptHandler(HostCheck, tornado.web.RequestHandler):
    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.write(preview_js())


class ReloadSocket(HostCheck, LiveReloadHandler):
    """livereload's WebSocket protocol, with the open pages kept per server (not in a
    class attribute) and registered at the handshake, so a page that has just
    connected never misses a reload."""

    def initialize(self, state: ServeState):
        self.state = state

    def check_origin(self, origin):
        return WebSocketHandler.check_origin(self, origin)  # only pages of this server, not any site

    def on_message(self, message):
        try:
            command = json.loads(message).get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            self.send_message({
                "command": "hello",
                "protocols": ["http://livereload.com/protocols/official-7"],
                "serverName": "healthhub",
            })
            self.state.clients.add(self)

    def on_close(self):
        self.state.clients.discard(self)


def make_app(root: Path, state: ServeState, out_name: str, any_host: bool = False) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/livereload", ReloadSocket, {"state": state}),
            (r"/livereload\.js", LiveReloadJSHandler),
            (STATUS_PATH.replace(".", r"\."), StatusHandler, {"state": state}),
            (PREVIEW_JS_PATH.replace(".", r"\."), PreviewScriptHandler),
            (r"/.*", SiteHandler, {"root": root, "state": state, "out_name": out_name}),
        ],
        log_function=_log_request,
        websocket_ping_interval=20,
        any_host=any_host,
    )


def _log_request(handler: tornado.web.RequestHandler) -> None:
    if handler.get_status() >= 500:
        print(f"serve: {handler.get_status()} {handler.request.method} {handler.request.uri}", file=sys.stderr)


def publish(state: ServeState, outcome: Outcome, targets: list[str]) -> None:
    """Record a rebuild and tell the open pages (runs on the event loop)."""
    previous = state.outcome
    if outcome.errors:  # keep what the last good build knew about pages
        outcome = replace(outcome, pages=previous.pages)
    elif outcome.pages is not previous.pages and outcome.pages != previous.pages:
        # After most saves nothing moved (PageMap gives the same map, or one 0.5 ms tells
        # equal at 10,000 articles), where working out the moves took 15-30 ms before the
        # reload was sent
        for old, new in moved_pages(previous.pages, outcome.pages).items():
            state.moved[old] = new
        for path in outcome.pages.values():  # (so after every publish no page's path is a key of moved)
            state.moved.pop(path, None)
    state.outcome = outcome
    if outcome.errors == previous.errors and not outcome.output_changed:
        return
    state.generation += 1
    if outcome.errors != previous.errors:  # the error panel comes and goes with a reload
        targets = [RELOAD]
    for target in targets:
        message = {"command": "reload", "path": target, "liveCSS": True, "liveImg": True}
        for client in list(state.clients):
            try:
                client.write_message(message)
            except Exception:  # a page that went away mid-send
                state.clients.discard(client)


# --- building -----------------------------------------------------------------------

def run_build(options: BuildOptions, debug: bool, warm: WarmState | None = None,
              taken: Taken | None = None, looked: LookedAt | None = None,
              on_written: Callable | None = None) -> tuple[Outcome, BuildResult | None]:
    """One build, as the server reports it; never raises for an author's mistake.
    (`on_written`: see build.build.)"""
    try:
        result = build(options, warm=warm, taken=taken, looked=looked, on_written=on_written)
    except ConfigError as exc:
        return Outcome(tuple(d.format() for d in exc.diagnostics)), None
    except BuildLocked:
        raise
    except OutputRefused as exc:
        return Outcome((f"error: {exc}",)), None
    except Exception as exc:  # keep serving; the browser and terminal say what broke
        if debug:
            traceback.print_exc()
        line = (f"error: unexpected failure: {type(exc).__name__}: {exc} "
                "(run again with --debug to see the traceback)")
        return Outcome((line,)), None
    if not result.ok:
        failing = [d for d in result.diagnostics if d.is_error or options.strict]
        return Outcome(tuple(d.format() for d in failing)), result
    written = result.written
    changed = written is None or bool(written.written or written.removed)
    return Outcome((), {}, changed), result  # pages: filled in by Rebuilder.build_now (PageMap)


class PageMap:
    """Outcome.pages of each build's articles, made after every save from the last
    build's. Reading one attribute of each of 10,000 Article objects takes a few ms
    (the objects are all over memory): making the map afresh took 12-25 ms of the
    time from a save to the reload, this 1-4 ms. Articles are frozen, and the site
    model a save patches keeps every article it did not change (loading/patch.py),
    so the articles that are not the very objects of the last build are the only
    ones looked at; comparing the two tuples reads their pointers, not the objects.
    Anything else is mapped afresh."""

    FEW = 64  # changed articles beyond which the map is made afresh

    def __init__(self) -> None:
        self.articles: tuple = ()  # held, so no id of theirs is taken by another object
        self.pages: dict[str, str] = {}

    def __call__(self, articles: tuple) -> dict[str, str]:
        pages = None
        if len(articles) == len(self.articles) and self.articles:
            changed = list(itertools.compress(range(len(articles)), map(operator.is_not, articles, self.articles)))
            if not changed:
                pages = self.pages
            elif len(changed) <= self.FEW and all(articles[i].source == self.articles[i].source for i in changed):
                entries = [entry for index in changed for entry in self.entries(articles[index])]
                if all(self.pages.get(key) == page for key, page in entries):
                    pages = self.pages  # the same pages (most saves): not even copied
                else:
                    pages = dict(self.pages)  # (an Outcome's map is never changed once made)
                    pages.update(entries)
        if pages is None:
            pages = dict(itertools.chain.from_iterable(map(self.entries, articles)))
        self.articles, self.pages = articles, pages
        return pages

    @staticmethod
    def entries(article) -> tuple[tuple[str, str], tuple[str, str]]:
        """The article's two entries: its page, and its category's page."""
        return ((article.source, article.path),
                (CATEGORY_KEY + article.source, paths.category_path(article.category_slug)))


def collect_garbage() -> None:
    """Collect Python's cyclic garbage now, between rebuilds (Rebuilder.tidy). A server
    keeps the site model of the last build (millions of objects at 10,000 articles),
    and Python runs a full collection, which goes over all of them, whenever enough
    new objects have survived since the last one: every second or third rebuild after
    a save, in the middle of it (150-190 ms at 10,000 articles, to free a few hundred
    objects). Collected once the browser has reloaded, it is off the path from a save
    to the page, and the next rebuild starts with nothing pending. Nothing about the
    collector is switched."""
    gc.collect()


class Rebuilder:
    """Rebuilds after every change to the sources. The snapshot is taken before each
    build, so a save made during a build is built next; a failed build is not shown
    when the sources changed while it ran (it may have read a half-written save).
    The build takes the article files' stats from the snapshot (scan.Taken): a save
    made after it is seen by the watcher (its events wait until the build is done)
    and built next, as a save made during the build."""

    def __init__(self, options: ServeOptions, on_outcome: Callable[[Outcome, list[str]], None],
                 say: Callable[[str], None], tell: Callable[[str], None], index: BackgroundIndex | None = None):
        self.options = options
        self.index = index  # the search index, brought up to date after each build
        self.site_version = 0  # counts the builds that changed the site folder
        self.searchable = False  # whether the site folder has pages to index
        self.on_outcome = on_outcome
        self.say = say  # problems, to stderr
        self.tell = tell  # progress, to stdout
        self.roots = watched_roots(options.build)
        self.waker: PollingWaker = make_waker()
        self.building = threading.Event()
        self.stopping = False
        self.snapshot: Snapshot = {}
        self.snapshot_began = 0.0  # time.time() when taking the snapshot began
        self.thread = threading.Thread(target=self._run, name="healthhub-rebuild", daemon=True)
        self.last_diagnostics: tuple[str, ...] | None = None
        # What this server's builds keep between them (parsed articles, page records): a
        # rebuild after one save at 10,000 articles need not read them from the cache again.
        self.warm = WarmState(parser=StandingParser())  # forked now, while this process is small
        self.spare_behind = True  # the writer's spare may lack many of the site's files (see tidy)
        # The output folder and the spare as tidy looked at them, and whether anything
        # happened in them since (the next build takes the look only if nothing did).
        self.looked: LookedAt | None = None
        self.output_guard = FolderGuard()
        self.page_map = PageMap()
        self.output_missed = False  # the output folder was found removed (see output_gone)

    def take(self) -> Snapshot:
        return take_snapshot(self.roots, skip=self.options.build.out_dir)

    def take_current(self, reported: Reported | None = None) -> Snapshot:
        """Take the snapshot the next build goes by (and note when): from the last one
        and the files the watcher `reported` changed when it can (watch.update_snapshot),
        else a whole one, with any new folder watched first."""
        began = time.time()
        now = None
        if reported is not None and self.snapshot_began:
            now = update_snapshot(self.snapshot, self.roots, self.options.build.out_dir, reported)
        if now is None:
            self.rewatch()
            now = self.take()
        self.snapshot = now
        self.snapshot_began = began
        return self.snapshot

    def rewatch(self) -> None:
        if type(self.waker) is PollingWaker:
            return
        try:
            self.waker.watch(watched_folders(self.roots, skip=self.options.build.out_dir))
        except OSError as exc:
            self.say(f"warning: cannot watch the folders for changes ({exc.strerror}), checking them "
                     "every 0.1 s instead")
            self.waker.close()
            self.waker = PollingWaker()

    def build_now(self, changed: list[str], publish: Callable[[Outcome], None] | None = None) -> Outcome:
        """Build, print what happened, return the outcome. `publish` (if given) is called
        with a successful build's outcome as soon as the new site is in the output folder,
        before the build saves its cache: the browser fetches the new page meanwhile
        (about 25 ms sooner at 10,000 articles)."""
        self.building.set()
        if self.index is not None:
            self.index.pause()  # Pagefind must not read a site folder being swapped
        early: Outcome | None = None

        def on_written(site: Site, result: WriteResult) -> None:
            nonlocal early
            early = Outcome((), self.page_map(site.articles), bool(result.written or result.removed))
            if publish is not None:
                publish(early)
        try:
            started = time.perf_counter()
            taken = Taken(self.snapshot, self.snapshot_began) if self.snapshot_began else None
            looked, self.looked = self.looked, None  # a build changes both folders: look again after it
            if looked is not None and not self.output_guard.untouched():
                looked = None
            outcome, result = run_build(self.options.build, self.options.debug, self.warm, taken, looked, on_written)
            if not outcome.errors and early is not None:
                outcome = early
            elif not outcome.errors and result is not None and result.site is not None:
                outcome = replace(outcome, pages=self.page_map(result.site.articles))
            seconds = time.perf_counter() - started
        finally:
            self.building.clear()
        written = result.written if result is not None else None
        # After a build, the spare holds the site as it was before it: behind by what it wrote
        self.spare_behind = self.spare_behind or written is None or written.written + written.removed > SPARE_BEHIND
        if not outcome.errors and (outcome.output_changed or not self.site_version):
            self.site_version += 1
            self.searchable = (self.options.build.search and result is not None and result.site is not None
                               and has_searchable_pages(result.site.articles))
        if not self.stopping:  # Ctrl-C also stops a build's helpers (Pagefind): not worth a report
            self.report(outcome, result, changed, seconds)
        return outcome

    def report(self, outcome: Outcome, result: BuildResult | None, changed: list[str], seconds: float) -> None:
        """Errors in full after every failed build; warnings as the command line shows
        them (grouped by kind when there are many) after the first build, and after
        each later one only those it did not have (a site brought from elsewhere has
        thousands, which each save printed again)."""
        if result is None:  # the config, or something unexpected: no diagnostics of the articles
            for line in outcome.errors:
                self.say(line)
        else:
            lines = [d.format() for d in result.diagnostics]
            failing, before = set(outcome.errors), set(self.last_diagnostics or ())
            fresh = [d for d, line in zip(result.diagnostics, lines) if line in failing or line not in before]
            warned = sum(1 for line in lines if line not in failing and line not in before)
            if self.last_diagnostics is not None and warned:
                self.say(f"{warned} new warning{'s' * (warned != 1)} since the last build:")
            buffer = io.StringIO()
            print_diagnostics(fresh, stream=buffer)
            for line in buffer.getvalue().splitlines():
                self.say(line)
            # A failed build stops before some warnings are found: those of the last good
            # build are not new when the fix brings them back
            kept = (*(self.last_diagnostics or ()), *lines) if outcome.errors else lines
            self.last_diagnostics = tuple(dict.fromkeys(kept))
        what = ""
        if changed:
            names = ", ".join(display_path(Path(p)) for p in changed[:3])
            what = f" after a change to {names}" + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        out = display_path(self.options.build.out_dir)
        if outcome.errors:
            count = len(outcome.errors)
            self.say(f"Build failed{what}: {count} error{'s' * (count != 1)}, shown in the browser; "
                     f"{out}/ keeps the last good build.")
        elif result is not None and result.site is not None:
            n, warned = len(result.site.articles), sum(1 for d in result.diagnostics if not d.is_error)
            self.tell(f"Built {n} article{'s' * (n != 1)}{what} in {seconds:.2f} s"
                      + (f" with {warned:,} warning{'s' * (warned != 1)}" if warned else ""))
            if self.options.timings and result.timings is not None:
                for line in result.timings.table().splitlines():
                    self.tell(line)

    def output_gone(self) -> bool:
        """Whether the output folder was removed by hand (the watcher skips it, so only a
        look that nothing asked for, every 1-4 s, finds it): the next build makes it
        again and the browser reloads, instead of every page answering 404. True once
        for each removal: a build that fails then is not tried again until a save."""
        gone = self.site_version > 0 and not os.path.lexists(self.options.build.out_dir)
        first, self.output_missed = gone and not self.output_missed, gone
        return first

    def update_index(self) -> None:
        """After the browser is told: index the site folder as it now is (in the background)."""
        if self.index is not None:
            self.index.resume(self.site_version if self.searchable else 0)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping = True
        self.waker.stop()

    def close(self) -> None:
        """Release the watchers and the standing parse worker (after the rebuild thread has ended)."""
        self.waker.close()
        self.output_guard.close()
        if self.warm.parser is not None:
            self.warm.parser.close()

    def tidy(self) -> None:
        """After the first build and between rebuilds while nothing changes: which pages
        show which article worked out (incremental.Planned.work_out), Python's garbage
        collected (see collect_garbage) and the spare folder the writer stages the next
        site in brought up to date (write.make_spare), so the author's next save pays
        for none of them. The spare is seen to after a build that wrote or removed
        more than SPARE_BEHIND files (after any other, the writer's own swap leaves it
        behind by those files only), and not while another build (the command line)
        writes the site. Then the output folder and the spare are looked at, and
        watched from then on: the next build takes that look if nothing happened in
        them since (write.LookedAt; at 10,000 articles 0.15-0.19 s less per save)."""
        if self.warm.planned is not None:
            self.warm.planned.work_out()  # which pages show which article, for a save that changes a listing
        collect_garbage()
        out_dir = self.options.build.out_dir
        try:
            with build_lock(out_dir):
                if self.spare_behind:
                    make_spare(out_dir)  # once: a disk without hard links fails again
                    self.spare_behind = False
                manifest, built = self.warm.named.get("manifest", {}), output_folder(out_dir)
                if manifest.get("out") == str(built) and manifest.get("files"):
                    self.looked = look_at_output(built, manifest["files"], self.output_guard.arm)
        except (BuildLocked, OSError):
            pass  # the next build links what it needs, and looks at the folders itself

    def _run(self) -> None:
        retry = False
        while not self.stopping:
            if not retry and self.waker.wait(self.waker.idle_seconds):
                break
            self.waker.quiet(SETTLE_SECONDS, SETTLE_LIMIT_SECONDS)
            if self.stopping:
                break
            before = self.snapshot
            now = self.take_current(self.waker.changes())
            if self.waker.timed_out:  # a look nothing asked for: did it find what nothing reported?
                self.waker.looked(now != before)
            if now == before and not retry:
                if not self.output_gone():
                    continue
                self.tell(f"{display_path(self.options.build.out_dir)}/ was removed: building it again")
            changed = changed_paths(before, now)
            update = browser_update(changed, self.options.build.templates_dir / "static")
            told: Outcome | None = None

            def publish(outcome: Outcome) -> None:
                nonlocal told
                told = outcome
                self.on_outcome(outcome, update)
            try:
                outcome = self.build_now(changed, publish)
            except BuildLocked as exc:
                self.say(f"error: {exc}; trying again")
                retry = True
                self.waker.wait(LOCKED_RETRY_SECONDS)
                continue
            retry = False
            if self.stopping:
                break
            if outcome.errors and self.take() != now:
                continue  # saved again during the build: build that before showing errors
            if told is not outcome:  # (not told yet, or a build that failed after writing: its errors)
                self.on_outcome(outcome, update)
            self.update_index()
            if self.waker.still(IDLE_SECONDS):
                self.tidy()


# --- the command --------------------------------------------------------------------

def bind(host: str, port: int) -> list[socket.socket]:
    return tornado.netutil.bind_sockets(port, address=host)


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else ("localhost" if host == "::" else host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(options: ServeOptions) -> int:
    """Run the live preview until Ctrl-C. Returns the exit code."""
    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def tell(line: str) -> None:
        print(line, flush=True)

    try:
        check_output(options.build)
    except OutputRefused as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    try:
        sockets = bind(options.host, options.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            say(f"error: port {options.port} is already in use on {options.host}, "
                f"stop the other server or pass another port, e.g. --port {options.port + 1}")
        elif exc.errno == errno.EACCES:
            say(f"error: not allowed to listen on port {options.port}, use a port above 1023, e.g. --port 8000")
        else:
            say(f"error: cannot listen on {options.host} port {options.port} ({exc.strerror or exc}), "
                "check --host and --port")
        return EXIT_USAGE
    port = sockets[0].getsockname()[1]
    url = url_for(options.host, port)

    state = ServeState()
    index = None
    if options.build.search:  # the pages link to the index; it is made after each build, in the background
        options = replace(options, build=replace(options.build, index_search=False))
        index = BackgroundIndex(options.build.out_dir, on_ready=lambda folders: None, say=say, tell=tell)
    rebuilder = Rebuilder(options, on_outcome=lambda o, s: None, say=say, tell=tell, index=index)
    rebuilder.take_current()
    try:
        state.outcome = rebuilder.build_now([])
        rebuilder.tidy()  # before the first page is asked for: the first build leaves the most
    except BuildLocked as exc:
        say(f"error: {exc}")
        for sock in sockets:
            sock.close()
        if index is not None:
            index.stop()
        rebuilder.close()
        return 1

    out_dir = options.build.out_dir
    loopback = options.host in LOOPBACK_NAMES
    app = make_app(out_dir, state, display_path(out_dir), any_host=not loopback)
    server = tornado.httpserver.HTTPServer(app)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        def on_outcome(outcome: Outcome, targets: list[str]) -> None:
            try:
                loop.call_soon_threadsafe(publish, state, outcome, targets)
            except RuntimeError:  # the loop has closed: the server is stopping
                pass

        def on_index(folders: tuple[Path, ...]) -> None:
            try:
                loop.call_soon_threadsafe(setattr, state, "search", folders)
            except RuntimeError:  # the loop has closed: the server is stopping
                pass

        rebuilder.on_outcome = on_outcome
        server.add_sockets(sockets)
        if index is not None:
            index.on_ready = on_index
            index.start()
            rebuilder.update_index()
        rebuilder.start()
        if not loopback:
            say(f"warning: listening on {options.host}: other computers on the network can open the preview")
        tell(f"Serving {url} (drafts shown, rebuilds on every save; press Ctrl-C to stop)")
        if options.open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        await stopping.wait()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        rebuilder.stop()
        server.stop()
        for client in list(state.clients):
            client.close()

    try:
        asyncio.run(main())
        if rebuilder.building.is_set():
            say("Stopping: waiting for the running build to finish...")
        if rebuilder.thread.is_alive():
            rebuilder.thread.join()
    except KeyboardInterrupt:  # a second Ctrl-C while a build finishes
        pass
    else:
        rebuilder.close()
    finally:
        if index is not None:
            index.stop()
    tell("Stopped.")
    return EXIT_OK
