"""The build pipeline: config -> site model -> rendered pages -> site folder."""

from __future__ import annotations

import fcntl
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jinja2

from .bodies import BodyMissing, TemporaryBodies
from .cache import DEFAULT_DIR_NAME, Cache, code_version, digest, from_plain, to_plain
from .config import DEFAULT_CONFIG_FILE, Config, load_config
from .content import Site, display_path, load_site, scan_articles
from .errors import ConfigError, Diagnostic, HasDiagnostics, error, warning
from .incremental import PageCache
from .progress import Progress
from .people import DEFAULT_AUTHORS_FILE, Person, load_people
from .i18n import catalog_warnings, load_catalogs
from .render import make_environment, render_site, site_languages
from .search import SearchIndexError, index_site
from .sources import SourceReader, source_signatures
from .theme import load_assets as load_theme_assets, theme_files
from .write import Staging, WriteResult, output_intact, scan_output, write_outputs



@dataclass(frozen=True)
class BuildOptions:
    articles_dir: Path = Path("articles")
    templates_dir: Path = Path("templates")
    out_dir: Path = Path("site")
    config_path: Path | None = None  # None: healthhub.yaml if it exists
    authors_path: Path | None = None  # None: authors.yaml if it exists
    drafts: bool = False
    strict: bool = False
    search: bool = True  # build the Pagefind search index (--no-search skips it)
    cache_dir: Path | None = None  # None: .healthhub-cache/ next to the output folder
    use_cache: bool = True  # False: a clean build that neither reads nor writes the cache
    jobs: int = 0  # worker processes for many new articles or pages; 0: one per core

    def cache_folder(self) -> Path | None:
        if not self.use_cache:
            return None
        return self.cache_dir or self.out_dir.absolute().parent / DEFAULT_DIR_NAME

    def job_count(self) -> int:
        if self.jobs:
            return self.jobs
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass
class BuildResult(HasDiagnostics):
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    site: Site | None = field(default_factory=lambda: None)  # no class attribute: see __getattr__
    written: WriteResult | None = None
    seconds: float = 0.0
    parsed: int = 0  # articles parsed (not found in the cache)
    rendered: int = 0  # pages rendered (not kept from the last build)
    # When nothing changed, the site model is only read from the cache if asked for.
    site_loader: Callable[[], Site] | None = field(default=None, repr=False, compare=False)
    counts: tuple[int, int] | None = None  # articles, categories

    def __post_init__(self):
        if self.site is None and self.site_loader is not None:
            del self.site  # loaded on first use, see __getattr__
        if self.counts is None and self.site is not None:
            self.counts = (len(self.site.articles), len(self.site.categories))

    def __getattr__(self, name):
        loader = self.__dict__.get("site_loader")
        if name == "site" and loader is not None:
            self.site = loader()
            return self.site
        raise AttributeError(name)


class BuildLocked(Exception):
    pass


def resolve_config(options: BuildOptions) -> Config:
    """Load the config named by the options (raises ConfigError)."""
    path = options.config_path
    if path is None:
        default = Path(DEFAULT_CONFIG_FILE)
        path = default if default.is_file() else None
    return load_config(path, display_path(path) if path else None)


def resolve_people(options: BuildOptions) -> tuple[dict[str, Person], list[Diagnostic]]:
    """People from --authors FILE (which must exist), else authors.yaml in the working
    directory, else authors.yaml in the articles folder (so it travels with the articles)."""
    path = options.authors_path
    if path is not None and not path.is_file():
        raise ConfigError([error(display_path(path), 1, 1, "people file not found, check the --authors path")])
    if path is None:
        candidates = (Path(DEFAULT_AUTHORS_FILE), options.articles_dir / DEFAULT_AUTHORS_FILE)
        path = next((c for c in candidates if c.is_file()), None)
    return load_people(path, display_path(path) if path else DEFAULT_AUTHORS_FILE)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the site (see _build)."""
    # A big site model is hundreds of thousands of long-lived objects, built in
    # one go. Python's cycle collector would walk all of them again and again
    # while they are made (seconds at 10,000 articles) and find nothing: it is
    # paused while the model is loaded, which is then frozen (left out of later
    # collections) until the build ends. Rendering runs with the collector on.
    enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            return _build(options, progress, enabled)
        except BodyMissing:
            # A body the cache promised is gone or damaged: never trust the rest
            # of that cache either, build again from the sources.
            Cache(options.cache_folder()).clear()
            gc.unfreeze()
            gc.disable()
            return _build(options, progress, enabled)
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _loaded(enabled: bool) -> None:
    """The site model is loaded, or the pages are planned: freeze what there is
    and let the collector run again (while templates render, which makes cycles)."""
    gc.freeze()
    if enabled:
        gc.enable()


def _build(options: BuildOptions, progress: Progress | None, enabled: bool) -> BuildResult:
    """Build the site. Content problems come back as diagnostics (ok=False) and
    leave the output folder untouched; config problems raise ConfigError.

    Every build is incremental: what the cache shows to be unchanged is neither
    parsed, rendered nor written again (see cache.py, sources.py, incremental.py)."""
    started = time.perf_counter()
    config = resolve_config(options)
    people, people_diags = resolve_people(options)
    cache = Cache(options.cache_folder())
    jobs = max(1, options.job_count())
    out_dir = options.out_dir.absolute()
    scanned = scan_articles(options.articles_dir) if options.articles_dir.is_dir() else None
    inputs, racy, signatures = inputs_digest(options, config, people, scanned)
    unchanged = unchanged_build(options, config, people, cache, inputs, out_dir) if not racy else None
    if unchanged is not None:
        unchanged.seconds = time.perf_counter() - started
        return unchanged

    # One build at a time reads and writes a site's cache and output folder.
    with build_lock(options.out_dir), (cache.bodies() or TemporaryBodies()) as bodies:
        stored_sources = cache.load_shards("sources")
        reader = SourceReader(stored_sources, bodies, jobs, progress, signatures)
        site, diagnostics = load_site(config, options.articles_dir, drafts=options.drafts, people=people,
                                      read_articles=reader, scanned=scanned, bodies=bodies)
        known_bodies = stored_sources.get("parsed", {}).keys()
        if reader.reparsed or known_bodies != reader.state.get("parsed", {}).keys():
            bodies.keep_only({record[1][3] for record in reader.state.get("parsed", {}).values() if record[1]})
        cache.update_shards("sources", stored_sources, reader.state)
        del stored_sources, known_bodies
        reader.release()
        gc.freeze()  # the collector stays paused while the pages are planned, see _loaded
        diagnostics += people_diags
        diagnostics = sorted(set(diagnostics))
        failed = any(d.is_error for d in diagnostics) or (options.strict and diagnostics)
        if failed:
            return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reader.reparsed)
        # A config file without base_url is told once what that costs. Not subject to
        # --strict: a site without one is a valid choice (a preview, or opened from
        # disk). With no config file at all the defaults are a local preview: quiet.
        if not config.base_url and config.source:
            diagnostics.append(missing_base_url_warning(config))
        # Pagefind refuses a site with nothing to index: no published article, no search.
        search = options.search and any(not article.draft for article in site.articles)
        env = make_environment(options.templates_dir, cache.compiled_templates())
        catalogs, catalog_problems = load_catalogs(options.templates_dir, site_languages(config), display_path)
        diagnostics += catalog_problems + catalog_warnings(env, catalogs)
        with Staging(out_dir) as staging:
            stored = cache.load("pages")
            manifest = cache.load("manifest")
            if manifest.get("out") != str(out_dir):
                stored, manifest = {}, {}
            state = scan_output(out_dir, manifest.get("files"))
            staging.prelink(sorted(state.files))  # in another process, while the pages are worked out
            pages = PageCache(env, site, stored, state.verified, jobs, progress, staging,
                              before_render=lambda: _loaded(enabled))
            related = cache.load("related")
            memo = dict(related)
            try:
                outputs = render_site(env, site, load_theme_assets(options.templates_dir), search=search,
                                      render_pages=pages.render_pages, memo=memo, catalogs=catalogs)
            except jinja2.TemplateError as exc:
                diagnostics.append(template_diagnostic(exc, options.templates_dir))
                return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reader.reparsed)
            try:
                written = write_outputs(options.out_dir, outputs, finish=index_site if search else None, state=state,
                                        progress=progress, staging=staging)
            except SearchIndexError as exc:
                diagnostics.append(error(display_path(options.out_dir), 1, 1, str(exc)))
                return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reader.reparsed)
            cache.update("pages", stored, pages.state)
            cache.update("related", related, memo)
            cache.update("manifest", manifest, {"out": str(out_dir), "files": written.files})
            # The summary says "this output is what these inputs give". After a build whose
            # inputs could not be trusted by stat (a file changed seconds ago), no summary may
            # stand: an older one would match once that file is deleted again.
            cache.store("summary", {} if racy else {
                "inputs": inputs, "out": str(out_dir), "diagnostics": to_plain(diagnostics),
                "counts": (len(site.articles), len(site.categories))})
        return BuildResult(True, diagnostics, site, written, time.perf_counter() - started,
                           reader.reparsed, pages.rendered)


def inputs_digest(options: BuildOptions, config: Config, people: dict[str, Person],
                  scanned: tuple[list[Path], list[Path], list[Diagnostic]] | None) -> tuple[bytes, bool, dict]:
    """A digest of everything a build reads, with article files (and the files kept
    next to them) by their stat signature; and whether a file changed so recently
    that its signature cannot be trusted; and the signatures by file name."""
    sources, others, problems = scanned or ([], [], [])
    signatures, racy = source_signatures(sources + others)
    templates = [(layer, name, path.read_bytes()) for layer, name, path in theme_files(options.templates_dir)]
    where = (os.getcwd(), str(options.articles_dir.absolute()), str(options.templates_dir.absolute()),
             str(options.out_dir.absolute()), scanned is None, options.drafts, options.strict, options.search)
    text = repr((where, repr(config), repr(sorted(people.items())), [len(sources)], signatures, problems,
                 digest(repr(templates).encode())))
    by_name = {entry[0]: entry[1:] for entry in signatures if len(entry) == 5}
    return digest(code_version() + text.encode("utf-8", "surrogateescape")), racy, by_name


def unchanged_build(options: BuildOptions, config: Config, people: dict[str, Person], cache: Cache,
                    inputs: bytes, out_dir: Path) -> BuildResult | None:
    """The result of the last build when its inputs and output folder are exactly as it
    left them (checked by stat), else None. Nothing is parsed, rendered or written."""
    summary = cache.load("summary")
    if summary.get("inputs") != inputs or summary.get("out") != str(out_dir):
        return None
    manifest = cache.load("manifest")
    files = manifest.get("files")
    if manifest.get("out") != str(out_dir) or not files or not output_intact(out_dir, files):
        return None
    try:
        diagnostics = list(from_plain(summary["diagnostics"]))
    except Exception:
        return None

    def load_site_from_cache() -> Site:
        bodies = cache.bodies()
        reader = SourceReader(cache.load_shards("sources"), bodies)
        return load_site(config, options.articles_dir, drafts=options.drafts, people=people, read_articles=reader,
                         bodies=bodies)[0]

    written = WriteResult(0, sum(1 for entry in files.values() if entry[3] is not None), 0, files)
    return BuildResult(True, diagnostics, None, written, 0.0, 0, 0,
                       site_loader=load_site_from_cache, counts=tuple(summary["counts"]))


def missing_base_url_warning(config: Config) -> Diagnostic:
    return warning(config.source, 1, 1, "no base_url is set, so feeds, the sitemap and canonical links are left out; "
                   "add base_url: https://your.site/")


class build_lock:
    """One build at a time may write a given output folder."""

    def __init__(self, out_dir: Path):
        out_dir = out_dir.absolute()
        self.path = out_dir.parent / f".{out_dir.name}.lock"
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise BuildLocked(
                f"another build is writing {display_path(self.path.parent / self.path.name[1:-5])}/ right now, "
                "wait for it to finish and run the build again"
            ) from None
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def template_diagnostic(exc: jinja2.TemplateError, templates_dir: Path) -> Diagnostic:
    """A template error as path:line:col, found in the exception or its traceback."""
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    if not filename:
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name.endswith((".html", ".xml", ".txt")) and os.path.exists(name):
                filename, lineno = name, tb.tb_lineno
            tb = tb.tb_next
    where = display_path(Path(filename)) if filename else display_path(templates_dir)
    message = getattr(exc, "message", None) or str(exc)
    return error(where, lineno or 1, 1, f"template error: {message}, fix the template")
