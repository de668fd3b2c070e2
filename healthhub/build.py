"""The build pipeline: config -> site model -> rendered pages -> site folder."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import datetime as dt
import fcntl
import marshal
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import paths
from .rendering import addresses
from .caching.bodies import BodyMissing, TemporaryBodies
from .caching.cache import (
    DEFAULT_DIR_NAME,
    Cache,
    code_version,
    digest,
    from_plain,
    read_manifest,
    to_plain,
)
from .loading.config import DEFAULT_CONFIG_FILE, Config, load_config
from .loading.scan import Taken, as_paths, display_path, scan_listed, scan_names, source_signatures, taken_signatures
from .errors import ConfigError, Diagnostic, HasDiagnostics, error, warning
from .progress import Progress
from .loading.glossary import DEFAULT_GLOSSARY_FILE, load_glossary
from .loading.people import DEFAULT_AUTHORS_FILE, Person, load_people
from .theme import load_assets as load_theme_assets, theme_files
from .writing.recorded import files_as_recorded
from .writing.safety import MARKER, check_output_folder, output_folder
from .writing.write import (LookedAt, OutputState, Staging, WriteError, WriteResult, output_intact, scan_output,
                            write_outputs)

if TYPE_CHECKING:
    import jinja2

    from .caching.warm import WarmState
    from .loading.model import Site


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
    # False: the pages have search, but the build does not make the index (the live
    # preview makes it in the background after showing the new pages).
    index_search: bool = True
    cache_dir: Path | None = None  # None: .healthhub-cache/ next to the output folder
    use_cache: bool = True  # False: a clean build that neither reads nor writes the cache
    jobs: int = 0  # worker processes for many new articles or pages; 0: one per core
    force: bool = False  # replace a non-empty output folder HealthHub did not build
    # The removed-page guard (addresses.py): the list of published addresses it checks
    # against (None: no guard, e.g. the live preview) and whether this build updates it.
    addresses_file: Path | None = None
    record_addresses: bool = True
    future: bool = False  # publish articles dated after `today` too (--future)
    today: dt.date | None = None  # the day scheduled and expiring articles are judged by; None: today

    def publish_day(self) -> dt.date:
        return self.today or dt.date.today()

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
    # Articles, categories, and the articles left out: drafts, scheduled, taken down
    counts: tuple[int, int, int, int, int] | None = None
    timings: "Timings | None" = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.site is None and self.site_loader is not None:
            del self.site  # loaded on first use, see __getattr__
        if self.counts is None and self.site is not None:
            self.counts = site_counts(self.site)

    def __getattr__(self, name):
        loader = self.__dict__.get("site_loader")
        if name == "site" and loader is not None:
            self.site = loader()
            return self.site
        raise AttributeError(name)


def site_counts(site: Site) -> tuple[int, int, int, int, int]:
    return (len(site.articles), len(site.categories), *site.left_out)


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
    shadowed: list[Diagnostic] = []
    if path is None:
        path, shadowed = data_file(options, DEFAULT_AUTHORS_FILE, "people file")
    people, diags = load_people(path, display_path(path) if path else DEFAULT_AUTHORS_FILE)
    return people, shadowed + diags


def people_file_failed(people: dict[str, Person], people_diags: list[Diagnostic]) -> bool:
    """Whether the people file was there but could not be read at all: nobody in it
    and an error about it (`people_diags`: resolve_people's own diagnostics)."""
    return not people and any(d.is_error for d in people_diags)


def without_people_echoes(diagnostics: list[Diagnostic], people_failed: bool) -> list[Diagnostic]:
    """When the people file could not be read at all (an error in it, nobody in it),
    the warning that authors have no profile "as there is no authors.yaml" is not
    true and only echoes that error: left out. (An unknown id stays an error: the
    article it is in is left out of the site, and that says why.)"""
    return [d for d in diagnostics if not people_failed or d.code != "author-profile"]


def data_file(options: BuildOptions, name: str, what: str) -> tuple[Path | None, list[Diagnostic]]:
    """The working directory's file `name`, else the articles folder's, else None; with
    a warning on the articles folder's when both are there (it is not read)."""
    here, beside = Path(name), options.articles_dir / name
    if not here.is_file():
        return (beside if beside.is_file() else None), []
    if beside.is_file() and os.path.realpath(here) != os.path.realpath(beside):
        return here, [warning(display_path(beside), 1, 1,
                              f"this file is not read: {display_path(here)} in the working directory is the {what}, "
                              f"move what this one holds there and delete it")]
    return here, []


def data_files_present(options: BuildOptions) -> tuple[bool, ...]:
    """Which of the places data_file looks in hold a file (for the inputs digest: a
    second authors.yaml or glossary.yaml changes what a build says)."""
    return tuple(path.is_file() for name in (DEFAULT_AUTHORS_FILE, DEFAULT_GLOSSARY_FILE)
                 for path in (Path(name), options.articles_dir / name))


def check_output(options: BuildOptions) -> Path:
    """The folder the site goes into (see safety.output_folder); raises OutputRefused
    when building there could destroy something (see safety.check_output_folder)."""
    out_dir = output_folder(options.out_dir)
    config_path = options.config_path
    if config_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        config_path = Path(DEFAULT_CONFIG_FILE)
    inputs = {"the articles folder": options.articles_dir, "the templates folder": options.templates_dir,
              "the config file": config_path, "the people file": options.authors_path,
              "the folder you are in": Path.cwd(), "the build cache": options.cache_folder()}

    def previous_files() -> dict | None:
        manifest = read_manifest(options.cache_folder())
        if manifest.get("out") == str(out_dir):
            return manifest.get("files")
        return None

    check_output_folder(display_path(options.out_dir), out_dir, inputs, options.force, previous_files)
    return out_dir
def resolve_glossary(options: BuildOptions, config: Config) -> tuple[Config, list[Diagnostic]]:
    """The config with the glossary's terms: glossary.yaml in the working directory, else
    in the articles folder (as authors.yaml). Held in the config, every cache keyed by
    the config (parsed articles, every page's fingerprint) changes with the glossary."""
    path, shadowed = data_file(options, DEFAULT_GLOSSARY_FILE, "glossary")
    terms, diags = load_glossary(path, display_path(path) if path else DEFAULT_GLOSSARY_FILE)
    return dataclasses.replace(config, glossary=terms), shadowed + diags


def build(options: BuildOptions, progress: Progress | None = None, warm: WarmState | None = None,
          taken: Taken | None = None, looked: LookedAt | None = None,
          on_written: Callable[[Site, WriteResult], None] | None = None) -> BuildResult:
    """Build the site (see _build). A process that builds the same site again and again
    (the live preview) passes the same `warm` state each time (see warm.py), the
    stats of the article files it took just before, if it did (see scan.Taken), and
    its look at the output folder, when nothing happened there since (write.LookedAt).
    `on_written` is called once the new site is in the output folder, before the cache
    is saved: the build succeeds from there on (the preview tells the browser then)."""
    try:
        try:
            return _cached_build(options, progress, warm, taken, looked, on_written)
        except BodyMissing:
            # A body the cache promised is gone or damaged: never trust the rest
            # of that cache either, build again from the sources.
            if warm is not None:
                warm.forget()
            cache = Cache(options.cache_folder())
            if not cache.clear():
                options = dataclasses.replace(options, use_cache=False)
            cache.close()
            try:
                return _cached_build(options, progress, warm, taken, on_written=on_written)
            except BodyMissing:  # the cache could not be emptied: without it
                return _cached_build(dataclasses.replace(options, use_cache=False), progress, None, taken,
                                     on_written=on_written)
    except BaseException:
        if warm is not None:  # whatever went wrong, the next build starts from the cache and a scan
            warm.forget()
            warm.listing = None
        raise


def _cached_build(options: BuildOptions, progress: Progress | None, warm: WarmState | None = None,
                  taken: Taken | None = None, looked: LookedAt | None = None,
                  on_written: Callable[[Site, WriteResult], None] | None = None) -> BuildResult:
    """_build, with the cache it opens closed after it (even when it fails)."""
    with contextlib.ExitStack() as closing:
        return _build(options, progress, closing, warm, taken, looked, on_written)


class Timings:
    """How long each stage of a build took and what it did (`--timings`)."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float, str]] = []
        self._last = time.perf_counter()

    def lap(self, stage: str, work: str = "") -> None:
        """The stage that just ended (it began where the last one ended)."""
        now = time.perf_counter()
        self.stages.append((stage, now - self._last, work))
        self._last = now

    def add(self, stage: str, seconds: float, work: str = "") -> None:
        """A stage timed on its own (taken out of the one it ran inside)."""
        self.stages.append((stage, seconds, work))

    def table(self) -> str:
        total = sum(seconds for _, seconds, _ in self.stages) or 1e-9
        lines = [f"{'stage':<22} {'time':>9} {'share':>6}  work"]
        for stage, seconds, work in self.stages:
            lines.append(f"{stage:<22} {seconds:>7.3f} s {seconds / total:>6.0%}  {work}")
        lines.append(f"{'total':<22} {total:>7.3f} s")
        return "\n".join(lines)


def _build(options: BuildOptions, progress: Progress | None, closing: contextlib.ExitStack,
           warm: WarmState | None = None, taken: Taken | None = None,
           looked: LookedAt | None = None, on_written: Callable[[Site, WriteResult], None] | None = None) -> BuildResult:
    """Build the site. Content problems come back as diagnostics (ok=False) and
    leave the output folder untouched; config problems raise ConfigError.

    Every build is incremental: what the cache shows to be unchanged is neither
    parsed, rendered nor written again (see cache.py, sources.py, incremental.py)."""
    started = time.perf_counter()
    timings = Timings()
    config, glossary_diags = resolve_glossary(options, resolve_config(options))
    people, people_diags = resolve_people(options)
    people_failed = people_file_failed(people, people_diags)
    people_diags += glossary_diags
    out_dir = check_output(options)
    cache = closing.enter_context(Cache(options.cache_folder()))
    jobs = max(1, options.job_count())
    if not options.articles_dir.is_dir():
        scanned = None
    elif warm is not None and taken is not None:  # the live preview: the last scan, while it stands
        scanned, warm.listing = scan_listed(options.articles_dir, warm.listing, taken)
    else:
        scanned = scan_names(options.articles_dir)
    stats = racy, signatures = source_stats(scanned, taken)
    # Whether nothing changed is asked only of inputs a stat can vouch for (see unchanged_build)
    guard = addresses_state(options)
    inputs = inputs_digest(options, config, people, scanned, stats, guard)[0] if not racy else None
    # A warm state that holds nothing yet (a live preview that just started) is filled
    # by a build that goes over the site even when nothing changed (it renders and
    # writes nothing then): the author's first save then finds the site model kept.
    filling = warm is not None and not warm.token
    unchanged = (unchanged_build(options, config, people, cache, inputs, out_dir)
                 if inputs is not None and not filling else None)
    article_files = sum(map(len, scanned[:2])) if scanned else 0
    timings.lap("check inputs", f"{article_files:,} article file{'s' * (article_files != 1)} by their stat"
                + (", nothing changed" if unchanged else ""))
    if unchanged is not None:
        unchanged.seconds = time.perf_counter() - started
        unchanged.timings = timings
        return unchanged
    if warm is not None and not options.use_cache:
        warm.forget()  # its bodies are in the cache
        warm = None
    warm_pages, warm_named = None, {}
    if warm is not None and warm.usable(cache):
        warm_pages, warm_named = warm.pages, warm.named

    def load_named(name: str) -> dict:
        if name in warm_named:
            return warm_named[name]
        return cache.load_manifest() if name == "manifest" else cache.load(name)
    if warm is not None:
        resets = cache.resets()
        closing.callback(lambda: warm.check_kept(cache, resets))  # after the build, however it ends

    # Imported only now: a build where nothing changed needs none of them (nor Jinja,
    # Markdown, Pillow, ICU or Babel, which they import).
    import jinja2

    from .caching.incremental import PLAN_RECORDS, PageCache, plan_memo_from, plan_records
    from .rendering.i18n import catalog_warnings, load_catalogs
    from .rendering.images import build_pictures
    from .rendering.environment import make_environment
    from .rendering.navigation import nav_link_problems
    from .rendering.render import render_site
    from .rendering.pages import site_languages
    from .rendering.search import SearchIndexError, has_searchable_pages

    # One build at a time reads and writes a site's cache and output folder.
    with build_lock(options.out_dir), (cache.bodies() or TemporaryBodies()) as bodies:
        loaded = load_articles(options, config, people, cache, bodies, jobs, progress,
                               as_paths(scanned) if scanned else None, signatures, warm)
        site, diagnostics, reparsed = loaded.site, loaded.diagnostics, loaded.parsed
        timings.lap("load", f"{len(site.articles):,} article{'s' * (len(site.articles) != 1)}, {reparsed:,} parsed"
                            + (", the last site model kept (only bodies and what listings show changed)" if loaded.patched else ""))
        diagnostics = sorted(set(without_people_echoes(diagnostics, people_failed) + people_diags))
        failed = any(d.is_error for d in diagnostics) or (options.strict and diagnostics)
        if failed:
            diagnostics += cache_warning(cache, options)
            return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reparsed)
        # A config file without base_url is told once what that costs. Not subject to
        # --strict: a site without one is a valid choice (a preview, or opened from
        # disk). With no config file at all the defaults are a local preview: quiet.
        if not config.base_url and config.source:
            diagnostics.append(missing_base_url_warning(config))
        if site.image_sizes:  # smaller copies of the articles' images, made once (cached by content)
            pictures, copies = build_pictures(site.image_sizes, options.cache_folder())
            site = dataclasses.replace(site, pictures=pictures, files={**copies, **site.files})
        # Pagefind refuses a site with nothing to index: no published article, no search.
        search = options.search and has_searchable_pages(site.articles)
        env = make_environment(options.templates_dir)
        env.bytecode_cache = cache.compiled_templates()
        catalogs, catalog_problems = load_catalogs(options.templates_dir, site_languages(config), display_path)
        diagnostics += catalog_problems + catalog_warnings(env, catalogs)
        manifest = load_named("manifest")
        elsewhere = manifest.get("out") != str(out_dir)  # the last build wrote another folder
        if elsewhere:
            manifest = {}
        # the caller's look at the output folder, if it was at the files this manifest names
        looked = looked if looked is not None and looked.manifest is manifest.get("files") else None
        with Staging(out_dir, looked.spare if looked is not None else None) as staging:
            stored = warm_pages if warm_pages is not None else cache.load_pages()
            templates = load_named("templates")
            if elsewhere:
                stored = {}
            recorded = manifest.get("files")
            state = (looked.state if looked is not None
                     else scan_output(out_dir, recorded, files_as_recorded(out_dir, recorded)))
            plan = {name: load_named(name) for name in PLAN_RECORDS}
            pages = PageCache(env, site, stored, templates.get("memo"), state.verified, jobs, progress, staging,
                              lap=timings.lap, plan_memo=plan_memo_from(plan),
                              digests=warm.digests if warm is not None else None,
                              planned=warm.planned if warm is not None else None, keep_planned=warm is not None,
                              sitemap_files=paths.sitemap_files(state.recorded))
            related = load_named("related")
            memo = dict(related)
            timings.lap("prepare", f"templates, {len(stored):,} stored page records, the output folder's state"
                                   + (" (as looked at between builds)" if looked is not None else ""))
            try:
                outputs = render_site(env, site, load_theme_assets(options.templates_dir), search=search,
                                      render_pages=pages.render_pages, memo=memo, catalogs=catalogs)
            except jinja2.TemplateError as exc:
                diagnostics.append(template_diagnostic(exc, options.templates_dir))
                return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reparsed)
            timings.lap("render", f"{pages.rendered:,} page{'s' * (pages.rendered != 1)}, feeds and sitemap")
            published, problems = guard_addresses(options, outputs, site)
            problems = nav_link_problems(config, outputs, search) + problems
            if problems:
                diagnostics += problems
                return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reparsed)
            try:
                written = write_site(out_dir, outputs, state, staging, progress, timings,
                                     search=search and options.index_search)
            except SearchIndexError as exc:
                diagnostics.append(error(display_path(options.out_dir), 1, 1, str(exc)))
                return BuildResult(False, diagnostics, site, None, time.perf_counter() - started, reparsed)
            diagnostics += record_addresses(options, published)
            if on_written is not None:
                on_written(site, written)
            after = addresses_state(options) if inputs is not None else guard
            if after != guard:
                # This build updated the guard's list, which the next build reads: the summary
                # names the list as it is now, so that build can find nothing changed (with the
                # list as it was, every build that added a page made the next one a full one).
                inputs = inputs_digest(options, config, people, scanned, stats, after)[0]
            before = {"templates": templates, "related": related, **plan}
            named = {"templates": {"memo": pages.template_memo}, "related": memo, **plan_records(pages.plan_memo, plan)}
            # The summary says "this output is what these inputs give". After a build whose
            # inputs could not be trusted by stat (a file changed seconds ago), no summary may
            # stand: an older one would match once that file is deleted again.
            summary = {} if racy else {"inputs": inputs, "out": str(out_dir), "diagnostics": to_plain(diagnostics),
                                       "counts": site_counts(site)}
            named["manifest"] = save_cache(cache, stored, pages.pages, before, named, summary,
                                           (manifest, str(out_dir), written.files))
            if warm is not None:
                warm.pages, warm.named, warm.digests, warm.planned = pages.pages, named, pages.digests, pages.planned
        diagnostics += cache_warning(cache, options)  # not subject to --strict: the site is right
        timings.lap("save cache")
        return BuildResult(True, diagnostics, site, written, time.perf_counter() - started,
                           reparsed, pages.rendered, timings=timings)


def guard_addresses(options: BuildOptions, outputs: dict, site: Site) -> tuple[set[str] | None, list[Diagnostic]]:
    """The removed-page guard (addresses.py): the addresses this build publishes, and
    an error for each address published before that it would remove (None, []: no guard)."""
    if options.addresses_file is None:
        return None, []
    guard_file = options.addresses_file
    recorded, problems = addresses.read_addresses(guard_file, display_path(guard_file))
    published = addresses.guarded(outputs, site)
    problems += addresses.removed_problems(recorded, published, site, display_path(guard_file))
    return published, problems


def write_site(out_dir: Path, outputs: dict, state: OutputState, staging: Staging, progress: Progress | None,
               timings: Timings, search: bool) -> WriteResult:
    """Write the outputs (see write.py), with the search index made in the staging folder
    before it is swapped in when `search`; raises SearchIndexError."""
    from .rendering.search import index_site

    indexing: list[float] = []

    def index_timed(folder: Path) -> None:
        begun = time.perf_counter()
        try:
            index_site(folder)
        finally:
            indexing.append(time.perf_counter() - begun)
    written = write_outputs(out_dir, outputs, finish=index_timed if search else None, state=state,
                            progress=progress, staging=staging)
    timings.lap("write", f"{len(written.files):,} files, {written.written:,} written, {written.removed:,} removed")
    if indexing:  # ran inside the writer: shown on its own
        stage, seconds, work = timings.stages.pop()
        timings.add(stage, seconds - indexing[0], work)
        timings.add("search index", indexing[0], "Pagefind")
    return written


def record_addresses(options: BuildOptions, published: set[str] | None) -> list[Diagnostic]:
    """Add this build's addresses to the guard's list (not for a preview of drafts or
    future articles, whose pages are not published)."""
    if published is None or not options.record_addresses or options.drafts or options.future:
        return []
    try:
        addresses.write_addresses(options.addresses_file, addresses.format_addresses(published))
    except OSError as exc:
        return [warning(display_path(options.addresses_file), 1, 1,
                        f"cannot update the list of published addresses ({exc.strerror}), "
                        "check the folder's permissions")]
    return []


def save_cache(cache: Cache, stored: dict, pages: dict, before: dict, named: dict, summary: dict,
               manifest: tuple[dict, str, dict]) -> dict:
    """What this build made, in one transaction: its page records, its named records
    (each written only when it changed), the output folder's manifest (the one loaded,
    the folder, the files: Cache.store_manifest) and the summary a build with nothing
    changed reads. Returns the manifest as the next build would load it."""
    with cache.transaction():
        cache.update_pages(stored, pages)
        for name, value in named.items():
            cache.update(name, before[name], value)
        stored_manifest = cache.store_manifest(*manifest)
        cache.store("summary", summary)
    return stored_manifest


@dataclass
class Loaded:
    site: Site
    diagnostics: list[Diagnostic]
    parsed: int  # articles parsed (not found in the cache)
    unreadable: int  # article files that could not be read as an article (diagnostics say why)
    patched: bool = False  # the warm state's site model, with new bodies (see loading/patch.py)


def load_articles(options: BuildOptions, config: Config, people: dict[str, Person], cache: Cache, bodies,
                  jobs: int = 1, progress: Progress | None = None, scanned=None, signatures=None,
                  warm: WarmState | None = None) -> Loaded:
    """The load stage (build and check): every article parsed and validated into the
    site model, those the cache knows taken from it (or from a `warm` state the caller
    checked), and the cache refreshed. The caller holds the build lock and keeps
    `bodies` open while it uses the site."""
    from .caching.warm import store_token
    from .loading.gather import load_site  # with Markdown: not needed when nothing changed
    from .loading.patch import keep, model_context
    from .loading.snippets import SNIPPETS_FOLDER, load_snippets
    from .loading.sources import SourceReader

    context = (model_context(config, people, options.articles_dir, options.drafts, options.future,
                             options.publish_day(), scanned, signatures or {})
               if warm is not None and scanned is not None else None)
    with cache.transaction():  # committed before rendering: render workers read the new bodies
        reader = SourceReader(cache, bodies, jobs, progress, signatures, warm)
        results: list = []

        def read_articles(*args):
            results[:] = reader(*args)
            return results

        site = patched = snippets = None
        if warm is not None and scanned is not None:
            # a warm reader looks only at the files whose stat changed
            snippets = load_snippets(options.articles_dir, display_path(options.articles_dir / SNIPPETS_FOLDER))
            results[:] = (reader.read_changed(scanned[0], config, people, snippets)
                          or reader(scanned[0], config, people, snippets))
            kept = warm.model
            if context is not None and kept is not None and kept.context == context:
                # the same site but for what the files say: perhaps only bodies' text changed
                site = patched = kept.patched(results, bodies)
                diagnostics = list(kept.diagnostics)
        if site is None:
            site, diagnostics = load_site(config, options.articles_dir, drafts=options.drafts, people=people,
                                          future=options.future, today=options.publish_day(),
                                          read_articles=(lambda *args: results) if snippets is not None else read_articles,
                                          scanned=scanned, bodies=bodies, snippets=snippets)
        reader.save(cache)
        store_token(cache, warm)  # which warm state, if any, the cache now matches
    bodies.flush()
    if warm is not None:
        warm.files, warm.records, warm.decoded, warm.keys = reader.files, reader.records, reader.decoded, reader.keys
        warm.model = keep(context, results, site, diagnostics)
    reader.release()
    unreadable = sum(1 for article, _, _ in results if article is None)
    return Loaded(site, diagnostics, reader.reparsed, unreadable, patched is not None)


def source_stats(scanned: tuple[list[str], list[str], list[Diagnostic]] | None,
                 taken: Taken | None = None) -> tuple[bool, dict[str, tuple]]:
    """Whether an article file (or a file kept next to them) changed so recently that
    its stat signature cannot be trusted, and every such file's signature by name
    (see scan.source_signatures; with `taken`, scan.taken_signatures: it may name
    other files too). Nothing changes the answer."""
    sources, others, _ = scanned or ([], [], [])
    if taken is not None:
        known = taken_signatures(sources + others, taken)
        if known is not None:
            return known
    signatures, racy = source_signatures(sources + others, taken)
    return racy, signatures


def inputs_digest(options: BuildOptions, config: Config, people: dict[str, Person],
                  scanned: tuple[list[str], list[str], list[Diagnostic]] | None,
                  stats: tuple[bool, dict] | None = None, guard: object = None) -> tuple[bytes, bool, dict]:
    """A digest of everything a build reads, with article files (and the files kept
    next to them) by their stat signature; and whether a file changed so recently
    that its signature cannot be trusted; and the signatures by file name (`stats`:
    source_stats' answer, when the caller has it; `guard`: addresses_state's, likewise)."""
    sources, others, problems = scanned or ([], [], [])
    racy, by_name = stats or source_stats(scanned)
    names = list(map(os.fspath, sources + others))
    # Every file's name and stat signature (None: none), as marshal's version 2 writes
    # them: the same bytes for the same values, whatever objects hold them (later
    # versions share repeated objects). At 10,000 articles 8 ms, where their repr took 30-35.
    signatures = digest(marshal.dumps((names, list(map(by_name.get, names))), 2))
    templates = [(layer, name, path.read_bytes()) for layer, name, path in theme_files(options.templates_dir)]
    where = (os.getcwd(), str(options.articles_dir.absolute()), str(options.templates_dir.absolute()),
             str(options.out_dir.absolute()), scanned is None, options.drafts, options.strict, options.search,
             options.index_search, options.future, options.publish_day().toordinal(), options.record_addresses,
             addresses_state(options) if guard is None else guard, data_files_present(options))
    text = repr((where, repr(config), repr(sorted(people.items())), [len(sources)], signatures, problems,
                 digest(repr(templates).encode())))
    return digest(code_version() + text.encode("utf-8", "surrogateescape")), racy, by_name


def unchanged_build(options: BuildOptions, config: Config, people: dict[str, Person], cache: Cache,
                    inputs: bytes, out_dir: Path) -> BuildResult | None:
    """The result of the last build when its inputs and output folder are exactly as it
    left them (checked by stat), else None. Nothing is parsed, rendered or written."""
    summary = cache.load("summary")
    if summary.get("inputs") != inputs or summary.get("out") != str(out_dir):
        return None
    manifest = cache.load_manifest()
    files = manifest.get("files")
    if manifest.get("out") != str(out_dir) or not files or not output_intact(out_dir, files):
        return None
    try:
        diagnostics = list(from_plain(summary["diagnostics"]))
    except Exception:
        return None

    def load_site_from_cache() -> Site:
        from .loading.gather import load_site  # only when asked for: not needed to say nothing changed
        from .loading.sources import SourceReader

        bodies = cache.bodies()
        reader = SourceReader(cache, bodies)
        try:
            return load_site(config, options.articles_dir, drafts=options.drafts, people=people,
                             read_articles=reader, future=options.future, today=options.publish_day(),
                             bodies=bodies)[0]
        finally:
            cache.close()  # opened again when a body is read

    written = WriteResult(0, sum(1 for rel, entry in files.items() if entry[3] is not None and rel != MARKER), 0, files)
    return BuildResult(True, diagnostics, None, written, 0.0, 0, 0,
                       site_loader=load_site_from_cache, counts=tuple(summary["counts"]))


def cache_warning(cache: Cache, options: BuildOptions) -> list[Diagnostic]:
    """One warning when the cache folder could not be used (the build worked without it)."""
    exc = cache.problem
    if exc is None:
        return []
    reason = (exc.strerror or str(exc)).lower()
    fix = {
        errno.EEXIST: "something else is in its place: move that away",
        errno.ENOTDIR: "something else is in its place: move that away",
        errno.EACCES: "check that you may write to it and to the folder that holds it",
        errno.EPERM: "check that you may write to it and to the folder that holds it",
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "free some disk space",
        errno.EDQUOT: "free some disk space",
    }.get(exc.errno, "check the disk")
    return [warning(display_path(options.cache_folder()), 1, 1,
                    f"cannot use the build cache ({reason}), so this build started from the sources and "
                    f"the next one will too; {fix}")]


def missing_base_url_warning(config: Config) -> Diagnostic:
    return warning(config.source, 1, 1, "no base_url is set, so feeds, the sitemap and canonical links are left out; "
                   "add base_url: https://your.site/")


class build_lock:
    """One build at a time may write a given output folder."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.path = self.out_dir.parent / f".{self.out_dir.name}.lock"
        self.handle = None

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")
        except OSError as exc:  # the folder that would hold the site cannot be written
            raise WriteError(self.out_dir, exc) from None
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
    from .rendering.environment import locate_template_error

    locate_template_error(exc)
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    where = display_path(Path(filename)) if filename else display_path(templates_dir)
    message = getattr(exc, "message", None) or str(exc)
    return error(where, lineno or 1, 1, f"template error: {message}, fix the template")


def addresses_state(options: BuildOptions) -> object:
    """What the removed-page guard's file holds, for the inputs digest (a changed or
    deleted list means a real build, which checks and rewrites it)."""
    if options.addresses_file is None:
        return None
    try:
        return digest(options.addresses_file.read_bytes())
    except OSError as exc:
        return f"unreadable: {exc.errno}"
