"""Command line: `healthhub [build|serve|new|check|init] ...` (also `python build.py ...`,
`python -m healthhub ...`)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from . import __version__, errors, paths
from .rendering.addresses import ADDRESSES_FILE
from .build import BuildLocked, BuildOptions, build
from .loading.scan import display_path
from .errors import ConfigError, ProcessingError, print_diagnostics
from .writing.safety import OutputRefused
from .writing.write import WriteError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
# The live preview (drafts included) is built here, never into site/, so a
# preview can not end up deployed.
PREVIEW_DIR = Path(".healthhub-preview/site")  # its cache: .healthhub-preview/.healthhub-cache


class Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one clear line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {errors.one_line(message)}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="healthhub", description="Build a HealthHub site from Markdown articles. "
                    "Start a new site with: healthhub init mysite")
    parser.add_argument("--version", action="version", version=f"HealthHub {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    build_cmd = commands.add_parser("build", help="build the site into site/ (the default command)")
    add_build_options(build_cmd)

    serve_cmd = commands.add_parser("serve", help="live preview: build, serve, rebuild and reload on every save")
    serve_cmd.add_argument("--host", type=host_name, default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only)")
    serve_cmd.add_argument("--port", type=port_number, default=8000, help="port to listen on (default: 8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser tab")
    add_source_options(serve_cmd, out=PREVIEW_DIR)
    serve_cmd.add_argument("--no-search", dest="search", action="store_false",
                           help="leave search out of the preview (by default the index is brought up to date "
                           "in the background after each save's pages are shown)")
    serve_cmd.add_argument("--search", dest="search", action="store_true",
                           help=argparse.SUPPRESS)  # the default since search no longer slows a save down
    serve_cmd.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected failure")
    serve_cmd.add_argument("--timings", action="store_true",
                           help="after each build, print how long each stage took, its share and the work it did")
    serve_cmd.add_argument("--force", action="store_true",
                           help="build into --out even though HealthHub did not build it (everything in it goes)")
    check_cmd = commands.add_parser("check", help="check articles for editorial problems (nothing is written "
                                     "but the build cache, which makes the next check or build faster)")
    add_source_options(check_cmd, templates=False, out=None)
    check_cmd.add_argument("--drafts", action="store_true", help="check articles marked draft: true too")
    check_cmd.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    check_cmd.add_argument("--format", choices=("text", "json", "github"), default="text",
                           help="text (default), json, or github (workflow annotations)")
    check_cmd.add_argument("-v", "--verbose", action="store_true",
                           help="list every finding (by default a rule with many shows its first few)")
    check_cmd.add_argument("--external", action="store_true",
                           help="also check that every source url and doi still resolves (needs the network; "
                           "answers are cached for the day in .healthhub-cache/)")
    check_cmd.add_argument("--doi-resolver", default="https://doi.org/", metavar="URL",
                           help="where DOIs are looked up with --external (default: https://doi.org/)")
    check_cmd.add_argument("--timeout", type=float, default=8.0, metavar="SECONDS",
                           help="how long --external waits for each answer (default: 8)")
    check_cmd.add_argument("--today", default=None, help="the date review deadlines are checked against, YYYY-MM-DD "
                           "(default: today)")

    init_cmd = commands.add_parser("init", help="start a new site in a folder: config, people, two sample articles")
    init_cmd.add_argument("folder", type=Path, help="the folder to make the site in, e.g. mysite (made if missing)")
    init_cmd.add_argument("--force", action="store_true",
                          help="use a folder that is not empty, adding only the files that are missing "
                          "(no file is ever overwritten; default: refuse)")

    import_cmd = commands.add_parser("import", help="bring an existing Hugo, Jekyll or WordPress site")
    import_cmd.add_argument("kind", choices=("hugo", "jekyll", "wordpress"), help="what the source site is")
    import_cmd.add_argument("source", type=Path,
                            help="the site's folder (Hugo, Jekyll) or its export file (WordPress, .xml)")
    import_cmd.add_argument("--into", type=Path, required=True, help="a new or empty folder for the HealthHub site")
    import_cmd.add_argument("--replace", action="store_true",
                            help="import again into a folder an earlier import wrote (its files are replaced)")
    import_cmd.add_argument("--uploads", type=Path, default=None,
                            help="WordPress: the wp-content/uploads folder (default: next to the export file)")
    import_cmd.add_argument("-v", "--verbose", action="store_true", help="print every warning, not the first few of each kind")
    import_cmd.add_argument("-q", "--quiet", action="store_true", help="print no warnings, only the summary")
    import_cmd.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected failure")

    new_cmd = commands.add_parser("new", help="start a new article with valid front matter")
    new_cmd.add_argument("title", help='the article title, e.g. "Knee pain after running"')
    new_cmd.add_argument("--category", help="the category, e.g. Health (with --translation-of: that article's)")
    new_cmd.add_argument("--slug", help="the file name and URL part (default: from the title)")
    new_cmd.add_argument("--date", help="publication date YYYY-MM-DD (default: today)")
    new_cmd.add_argument("--articles", type=Path, default=Path("articles"), help="articles folder (default: articles)")
    new_cmd.add_argument("--language", help="on a site in several languages: the article's language, e.g. es "
                                            "(default: the site's default language)")
    new_cmd.add_argument("--translation-of", type=Path, metavar="FILE",
                         help="the article this one translates: it gets that article's category and is linked "
                              "to it (its translation_key, else its slug)")
    new_cmd.add_argument("--config", type=Path, default=None,
                         help="config file, for the site's languages (default: healthhub.yaml if present)")
    return parser


def add_source_options(cmd: argparse.ArgumentParser, templates: bool = True, out: Path | None = Path("site")) -> None:
    """Where the articles, templates, config and people file are, and where the site goes."""
    cmd.add_argument("--articles", type=Path, default=Path("articles"), help="articles folder (default: articles)")
    if templates:
        cmd.add_argument("--templates", type=Path, default=Path("templates"),
                         help="the site's own templates and static/ files, used over HealthHub's default theme "
                         "(default: templates, when it exists)")
    if out is not None:
        cmd.add_argument("--out", type=Path, default=out, help=f"output folder (default: {out})")
    cmd.add_argument("--config", type=Path, default=None, help="config file (default: healthhub.yaml if present)")
    cmd.add_argument("--authors", type=Path, default=None,
                     help="people file with authors and reviewers (default: authors.yaml here or in the articles folder)")


def add_build_options(cmd: argparse.ArgumentParser) -> None:
    add_source_options(cmd)
    cmd.add_argument("--drafts", action="store_true", help="include articles marked draft: true (default: off)")
    cmd.add_argument("--future", action="store_true", help="include scheduled articles, dated after today (default: off)")
    cmd.add_argument("--today", default=None, help="build as on this day, YYYY-MM-DD: scheduled articles up to it "
                     "are published, those expiring by it are not (default: today)")
    cmd.add_argument("--strict", action="store_true", help="treat warnings as errors (default: off)")
    cmd.add_argument("--no-search", dest="search", action="store_false",
                     help="skip the search index: a faster build, and a site without search (default: off)")
    cmd.add_argument("--force", action="store_true",
                     help="replace the output folder even though HealthHub did not build it, everything in it goes (default: off)")
    cmd.add_argument("--timings", action="store_true",
                     help="print how long each stage of the build took, its share and the work it did (default: off)")
    cmd.add_argument("-q", "--quiet", action="store_true", help="print only errors: no warnings, no summary (default: off)")
    cmd.add_argument("-v", "--verbose", action="store_true",
                     help="print every warning (default: each kind is counted and its first few are shown)")
    cmd.add_argument("--debug", action="store_true",
                     help="show the full traceback of an unexpected failure (default: off)")


def host_name(text: str) -> str:
    """A host name or IP address to listen on: not empty, no spaces or control characters."""
    if not text or len(text) > 253 or not all(c.isprintable() and not c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"'{errors.one_line(text[:60])}' is not a host name or address, use 127.0.0.1 (this computer) "
            "or 0.0.0.0 (every network)")
    return text


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number, use a number such as 8000") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number, use one from 1024 to 65535, e.g. 8000")
    return value


def run() -> int:
    """The `healthhub` command (also build.py and `python -m healthhub`): main, in a
    process of its own, with the cycle collector tuned for it."""
    tune_collector()
    code = main()
    leave_to_exit()
    return code


def tune_collector() -> None:
    """Collect cycles less often, once, for the whole process HealthHub owns (never
    inside build(): tests and other programs call that with their own settings).

    With CPython's default thresholds (700, 10, 10) the collector walks the whole
    site model again and again as it grows: one article edited at 10,000 articles
    spent 1.1-1.6 s of a 6-8 s build in 7 full collections. Measured 2026-12-01
    (3 runs each, interleaved, load 6-8), processor time per edit build at 10,000:
    5.5 s at the defaults, 4.3-4.9 s at (50,000, 30, 30), 4.4-4.7 s at mypy's
    (200,000, 30, 30); a cold build at 3,000 tag-heavy articles took the same time
    at all three, with a peak of 87, 90 and 103 MB: the cycles HealthHub makes wait
    longer for collection, so the smaller first threshold."""
    import gc

    if sys.implementation.name == "cpython":
        gc.set_threshold(50_000, 30, 30)


def leave_to_exit() -> None:
    """Hand what the command made over to the process's end as it is: the
    interpreter's exit otherwise runs one more full collection, which walks and
    frees the site model's cycles (objects the process frees at its end anyway).

    Measured 2026-12-03, one article edited at 10,000 articles (6 runs each,
    interleaved): from the command's return to the process's end 0.25-0.27 s, of
    which that collection 0.15-0.17 s (60,383 objects); 0.06-0.08 s with the
    objects frozen here. (mypy ends with os._exit for the same reason; freezing
    keeps the normal exit: atexit handlers run, files are flushed and closed.)"""
    import gc

    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    try:
        if args.command == "init":
            return cmd_init(args)
        if args.command == "new":
            return cmd_new(args)
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "import":
            return cmd_import(args)
        return cmd_build(args)
    except KeyboardInterrupt:
        print("Interrupted: the previous site was left as it was.", file=sys.stderr)
        return 130
    except ConfigError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # never a traceback for the user, unless asked
        if getattr(args, "debug", False):
            import traceback  # here: every command starts faster without it

            traceback.print_exc()
        elif isinstance(exc, ProcessingError):
            original = exc.original
            print(f"error: unexpected failure while processing {errors.one_line(exc.where)}: {type(original).__name__}: "
                  f"{one_line(original)} (run again with --debug to see the traceback)", file=sys.stderr)
        else:
            print(f"error: unexpected failure: {type(exc).__name__}: {one_line(exc)} "
                  "(run again with --debug to see the traceback)", file=sys.stderr)
        return EXIT_CONTENT


def one_line(exc: BaseException) -> str:
    """The exception's message on one line, control characters shown as escapes."""
    return errors.one_line(" ".join(str(exc).split()))


def _progress(phase: str, done: int, total: int) -> None:
    sys.stderr.write(f"\r{phase} {done}/{total}\x1b[K")
    if done == total:
        sys.stderr.write("\r\x1b[K")
    sys.stderr.flush()


def no_site_here(args) -> str | None:
    """One line for a command run where there is no site, or None."""
    if args.articles.is_dir():
        return None
    if args.articles == Path("articles"):
        return (f"error: there is no articles/ folder in {Path.cwd()}, so no site to work on here; "
                "run it in your site's folder, or start a site with: healthhub init mysite")
    return f"error: the articles folder {display_path(args.articles)} does not exist, check the --articles path"


def missing_templates(args) -> str | None:
    """A --templates folder that is not there is a typo, not a wish for the default theme."""
    templates = getattr(args, "templates", None)
    if templates is None or templates == Path("templates") or templates.is_dir():
        return None
    return f"error: the templates folder {display_path(templates)} does not exist, check the --templates path"


def cmd_init(args) -> int:
    from .scaffold import InitRefused, init_site

    try:
        result = init_site(args.folder, force=args.force)
    except InitRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: cannot write the new site into {display_path(args.folder)}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_CONTENT
    folder = display_path(args.folder)
    for path in result.kept:
        print(f"kept {display_path(path)} (already there)")
    if not result.written:
        print(f"Nothing to add: every starter file is already in {folder}/")
        return EXIT_OK
    print(f"Created a HealthHub site in {folder}/ ({len(result.written)} files). Next:\n"
          f"  cd {folder}\n"
          "  healthhub serve --open   # preview while you write\n"
          "  healthhub build          # the finished site, in site/")
    return EXIT_OK


def build_options(args, **more) -> BuildOptions:
    """The BuildOptions of the source options build and serve share, and `more`."""
    return BuildOptions(articles_dir=args.articles, templates_dir=args.templates, out_dir=args.out,
                        config_path=args.config, authors_path=args.authors, search=args.search, force=args.force,
                        **more)


def cmd_build(args) -> int:
    if (problem := no_site_here(args) or missing_templates(args)) is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"error: --today '{args.today}' is not a date, write it as YYYY-MM-DD", file=sys.stderr)
        return EXIT_USAGE
    # The list of published addresses lives next to the config (the project folder).
    addresses_file = (args.config.parent if args.config else Path(".")) / ADDRESSES_FILE
    options = build_options(args, drafts=args.drafts, strict=args.strict, future=args.future, today=today,
                            addresses_file=addresses_file)
    show_progress = sys.stderr.isatty() and not args.quiet
    try:
        result = build(options, progress=_progress if show_progress else None)
    except BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    except OutputRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WriteError as exc:
        kept = "; the previous site was left as it was" if os.path.lexists(args.out) else ""
        print(f"error: cannot write {display_path(args.out)}/: {exc.message}{kept}", file=sys.stderr)
        return EXIT_CONTENT
    print_diagnostics(result.diagnostics, verbose=args.verbose, quiet=args.quiet and not args.strict)
    out = display_path(args.out)
    if not result.ok:
        errors, warnings = len(result.errors), len(result.warnings)
        files = len({d.path for d in result.diagnostics if d.is_error or args.strict})
        what = f"{errors} error{'s' * (errors != 1)}"
        if args.strict and warnings:
            what += f" and {warnings} warning{'s' * (warnings != 1)} (--strict)"
        print(f"Build failed: {what} in {files} file{'s' * (files != 1)}; {out}/ was left unchanged.",
              file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet:
        n, c, drafts, scheduled, taken_down = result.counts
        warnings = len(result.warnings)
        left_out = [f"{count:,} {what}" for count, what in ((drafts, f"draft{'s' * (drafts != 1)} (--drafts)"),
                                                           (scheduled, "scheduled for a later day (--future)"),
                                                           (taken_down, "past its expires date" if taken_down == 1
                                                            else "past their expires date")) if count]
        print(f"Built {n} article{'s' * (n != 1)} in {c} categor{'ies' if c != 1 else 'y'} "
              f"into {out}/ in {result.seconds:.1f} s"
              + (f" with {warnings:,} warning{'s' * (warnings != 1)}" if warnings else "")
              + (f"; left out: {', '.join(left_out)}" if left_out else ""))
    if args.timings and result.timings is not None:
        print(result.timings.table())
    return EXIT_OK


def cmd_serve(args) -> int:
    from .serving.serve import ServeOptions, serve

    if (problem := no_site_here(args) or missing_templates(args)) is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE

    # drafts and scheduled articles are shown, each with a banner
    options = build_options(args, drafts=True, future=True)
    return serve(ServeOptions(options, host=args.host, port=args.port, open_browser=args.open, debug=args.debug,
                              timings=args.timings))


def cmd_check(args) -> int:
    from .build import people_file_failed, resolve_config, resolve_glossary, resolve_people
    from .checking.check import FORMATS, RULE_CODES, run_check
    from .errors import did_you_mean, error

    if (problem := no_site_here(args) or missing_templates(args)) is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    except ValueError:
        print(f"error: --today '{errors.one_line(args.today[:100])}' is not a date, write it as YYYY-MM-DD",
              file=sys.stderr)
        return EXIT_USAGE
    options = BuildOptions(articles_dir=args.articles, config_path=args.config, authors_path=args.authors,
                           drafts=args.drafts)
    config, glossary_diags = resolve_glossary(options, resolve_config(options))
    unknown = [code for code in config.check_disable if code not in RULE_CODES]
    if unknown:
        raise ConfigError([error(config.source or "healthhub.yaml", 1, 1,
                                 f"check_disable names the rule '{code}', which does not exist"
                                 f"{did_you_mean(code, RULE_CODES)}; rules: {', '.join(RULE_CODES)}")
                           for code in unknown])
    people, people_diags = resolve_people(options)
    external = None
    if args.external:
        from .caching.cache import DEFAULT_DIR_NAME, Cache
        from .checking.external import check_external

        resolver = args.doi_resolver if args.doi_resolver.endswith("/") else args.doi_resolver + "/"
        external = lambda site: check_external(list(site.articles), Cache(Path(DEFAULT_DIR_NAME)), today,  # noqa: E731
                                               resolver=resolver, timeout=args.timeout)
    result = run_check(options, config, people, people_diags + glossary_diags, today,
                       disabled=config.check_disable, external=external,
                       people_failed=people_file_failed(people, people_diags))
    sys.stdout.write(FORMATS[args.format](result, verbose=args.verbose))
    if result.errors or (args.strict and result.warnings):
        return EXIT_CONTENT
    return EXIT_OK


def cmd_import(args) -> int:
    from .importers import ImportRefused, run_import
    from .importers.write import REPORT_FILE, ImportWriteFailed

    try:
        result = run_import(args.kind, args.source, args.into, replace=args.replace, uploads=args.uploads,
                            label=display_path(args.source))
    except ImportRefused as exc:
        print(exc if exc.located else f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportWriteFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    report, plan = result.report, result.plan
    if not args.quiet:
        print_grouped([(kind, d.format()) for kind, d in sorted(report.warnings, key=lambda item: item[1])],
                      verbose=args.verbose, more=f"see {display_path(args.into / REPORT_FILE)}")
    into = display_path(args.into)
    warnings = len(report.warnings)
    print(f"Imported {len(plan.pages)} article{'s' * (len(plan.pages) != 1)}, {len(plan.authors)} "
          f"author{'s' * (len(plan.authors) != 1)} and {len(plan.copies)} file{'s' * (len(plan.copies) != 1)} "
          f"into {into}/ with {warnings} warning{'s' * (warnings != 1)}; "
          f"report: {display_path(args.into / REPORT_FILE)}")
    if plan.pages:
        print(f"Build it: healthhub build --articles {into}/articles --config {into}/healthhub.yaml --out {into}/site")
    return EXIT_OK


def print_grouped(lines: list[tuple[str, str]], verbose: bool = False, more: str = "", first: int = 5) -> None:
    """Warnings grouped by kind: a count and the first few of each (all with verbose)."""
    groups: dict[str, list[str]] = {}
    for kind, line in lines:
        groups.setdefault(kind, []).append(line)
    for kind, items in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        shown = items if verbose else items[:first]
        if len(groups) > 1 or len(items) > first:
            print(f"{kind}: {len(items)} warning{'s' * (len(items) != 1)}", file=sys.stderr)
        for line in shown:
            print(f"  {line}" if len(groups) > 1 or len(items) > first else line, file=sys.stderr)
        if len(items) > len(shown):
            print(f"  ... and {len(items) - len(shown)} more ({more or 'run with --verbose'})", file=sys.stderr)


def cmd_new(args) -> int:
    """Write a new draft article, only when the build would accept it: the file is
    read back with the build's own rules before it is written. On a site in several
    languages it may be in another language (in that language's folder) and a
    translation of an existing article (linked to it)."""
    from .loading.config import DEFAULT_CONFIG_FILE, Config, load_config
    from .loading.article import make_converter, parse_article
    from .scaffold import NewRefused, translation_target

    config_path = args.config or (Path(DEFAULT_CONFIG_FILE) if Path(DEFAULT_CONFIG_FILE).is_file() else None)
    config = load_config(config_path, display_path(config_path)) if config_path else Config()
    try:
        language, category, key, fixed_slug, source = translation_target(
            config, args.articles, args.language, args.category, args.translation_of, args.slug)
    except NewRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.slug is not None and not paths.is_safe_slug(args.slug):
        suggestion = paths.shorten_slug(paths.slugify(args.slug, limit=None), 80) or "my-article"
        print(f"error: --slug '{errors.one_line(args.slug[:100])}': {paths.slug_problem(args.slug)}, "
              f"use e.g. --slug {suggestion}", file=sys.stderr)
        return EXIT_USAGE
    slug = args.slug or fixed_slug or paths.shorten_slug(paths.slugify(args.title))
    if not slug:
        print(f"error: cannot make a file name from '{errors.one_line(args.title[:100])}', pass --slug my-article",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        date = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError:
        print(f"error: --date '{errors.one_line(args.date[:100])}' is not a date, write it as YYYY-MM-DD",
              file=sys.stderr)
        return EXIT_USAGE
    text = (
        "---\n"
        f"title: {yaml_quote(args.title)}\n"
        f"category: {yaml_quote(category)}\n"
        f"date: {date.isoformat()}\n"
        + (f"language: {language}\n" if language != config.language else "")
        + (f"translation_key: {yaml_quote(key)}\n" if key else "") +
        "views: 0\n"
        'summary: "One or two sentences that say what the reader will learn."\n'
        "tags: []\n"
        "draft: true\n"
        "---\n\n"
        "Write the opening paragraph here.\n\n"
        "## First section\n\n"
        "Use `##` for sections and `###` for subsections.\n"
    )
    article, problems, _, _ = parse_article(text, "new", slug, config, make_converter(config))
    refused = [d for d in problems if d.is_error]
    if article is None or refused:
        options = {"title": "the title", "category": "--category", "date": "--date", "slug": "--slug",
                   "language": "--language", "translation_key": "--translation-of"}
        for problem in refused or problems:
            field = next((k for k, pos in _front_matter_lines(text).items() if pos == problem.line), None)
            print(f"error: {options.get(field, 'the article')}: {errors.one_line(problem.message)}", file=sys.stderr)
        return EXIT_USAGE
    # Another language's articles go in its folder (articles/es/health/), as the sample site keeps them
    folder = args.articles / language if language != config.language else args.articles
    target = folder / article.category_slug / f"{slug}.md"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as file:  # never replaces a file
            file.write(text)
    except FileExistsError:
        print(f"error: {display_path(target)} already exists, choose another title or --slug", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: cannot write {display_path(target)} ({exc.strerror}), check the --articles folder",
              file=sys.stderr)
        return EXIT_CONTENT
    linked = ""
    if source is not None:
        linked = (f", linked to {display_path(source)} by translation_key '{key}'" if key
                  else f", linked to {display_path(source)} by their slug '{slug}'")
    print(f"Created {display_path(target)} (a draft: remove 'draft: true' to publish it){linked}")
    return EXIT_OK


def _front_matter_lines(text: str) -> dict[str, int]:
    """The line of each `key:` of the front matter new writes."""
    return {line.split(":", 1)[0]: number for number, line in enumerate(text.split("\n"), start=1) if ":" in line}


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is one): every character
    survives, a line break or a quote in it cannot end the value."""
    import json  # here: only `new` needs it, every command starts faster without it

    return json.dumps(text, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
