"""The build pipeline: config -> site model -> rendered pages -> site folder."""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jinja2

from .config import DEFAULT_CONFIG_FILE, Config, load_config
from .content import Site, display_path, load_site
from .errors import ConfigError, Diagnostic, error, warning
from .people import DEFAULT_AUTHORS_FILE, Person, load_people
from .render import load_assets, make_environment, render_site
from .search import SearchIndexError, index_site
from .write import WriteResult, write_outputs

Progress = Callable[[str, int, int], None]


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


@dataclass
class BuildResult:
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    site: Site | None = None
    written: WriteResult | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


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
    """Build the site. Content problems come back as diagnostics (ok=False) and
    leave the output folder untouched; config problems raise ConfigError."""
    started = time.perf_counter()
    config = resolve_config(options)
    people, people_diags = resolve_people(options)
    site, diagnostics = load_site(config, options.articles_dir, drafts=options.drafts, people=people)
    diagnostics += people_diags
    diagnostics = sorted(set(diagnostics))
    failed = any(d.is_error for d in diagnostics) or (options.strict and diagnostics)
    if failed:
        return BuildResult(False, diagnostics, site, None, time.perf_counter() - started)
    # A config file without base_url is told once what that costs. Not subject to
    # --strict: a site without one is a valid choice (a preview, or opened from
    # disk). With no config file at all the defaults are a local preview: quiet.
    if not config.base_url and config.source:
        diagnostics.append(missing_base_url_warning(config))
    # Pagefind refuses a site with nothing to index: no published article, no search.
    search = options.search and any(not article.draft for article in site.articles)
    env = make_environment(options.templates_dir)
    try:
        outputs = render_site(env, site, load_assets(options.templates_dir / "static"), search=search)
    except jinja2.TemplateError as exc:
        diagnostics.append(template_diagnostic(exc, options.templates_dir))
        return BuildResult(False, diagnostics, site, None, time.perf_counter() - started)
    try:
        with build_lock(options.out_dir):
            written = write_outputs(options.out_dir, outputs, finish=index_site if search else None)
    except SearchIndexError as exc:
        diagnostics.append(error(display_path(options.out_dir), 1, 1, str(exc)))
        return BuildResult(False, diagnostics, site, None, time.perf_counter() - started)
    return BuildResult(True, diagnostics, site, written, time.perf_counter() - started)


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
