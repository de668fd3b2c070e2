"""`healthhub check`: a content check for editors.

It loads the site exactly as the build does (so every build error is reported
too), through the build's cache of parsed articles, and adds editorial checks:
readability, review dates, sources, alt text, heading levels, links between
articles, duplicate titles and long summaries, on every core for a big site.
Nothing but the build cache is written: the check's own result is kept there,
keyed by a digest of everything it read, so a check with nothing changed prints
it again without loading anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Diagnostic, HasDiagnostics, error, one_line, warning
from ..loading.frontmatter import FrontMatterError, Position, split

# The rules import the site model and Markdown helpers where they run (`# model`):
# a check with nothing changed prints its stored result without them.
if TYPE_CHECKING:
    from ..loading.model import Article, Site

REVIEW_WARNING_DAYS = 30
# Readability formulas are noise on very short texts.
READABILITY_MIN_WORDS = 100
# Below this many articles a pool of worker processes costs more than it saves
# (forking and sending the articles); the editorial checks run in this process.
PARALLEL_CHECK_MIN = 200
CHUNK = 32  # articles per task sent to a worker


@dataclass(frozen=True)
class CheckResult(HasDiagnostics):
    diagnostics: list[Diagnostic]
    articles: int
    unparsed: int = 0  # Markdown files that could not be read as an article (errors say why)
    # (source, what happens, day): articles that go live or are taken down after today
    scheduled: tuple[tuple[str, str, dt.date], ...] = ()


def check_site(site: Site, today: dt.date, jobs: int = 1) -> list[Diagnostic]:
    """Editorial checks on a loaded site (load_site reports everything else): each
    article's own checks, on `jobs` processes for a big site, then the ones across
    articles."""
    from .. import parallel  # here: a check with nothing changed starts no workers

    articles = sorted(site.articles, key=lambda a: a.source)
    diags: list[Diagnostic] = []
    if jobs > 1 and len(articles) >= PARALLEL_CHECK_MIN and parallel.can_fork():
        if any(is_english(article, site) for article in articles):
            _warm_readability()  # loaded once, before the workers fork, instead of once in each
        chunks = [range(start, min(len(articles), start + CHUNK)) for start in range(0, len(articles), CHUNK)]
        # The workers are forked with the site in memory and read the bodies themselves:
        # only ranges of article numbers go to them, only findings come back.
        for found in parallel.map_chunks(lambda numbers: _check_chunk(site, articles, today, numbers), _worker_check,
                                         chunks, jobs, _worker_start, (site, articles, today)):
            diags += found
    else:
        for article in articles:
            diags += check_article(site, article, today)
    diags += check_duplicate_titles(site.articles)
    diags += check_translations(site)
    return diags


def check_article(site: Site, article: Article, today: dt.date) -> list[Diagnostic]:
    """The checks of one article on its own."""
    markdown = body_markdown(article)
    diags: list[Diagnostic] = []
    if is_english(article, site):
        diags += check_readability(article, site.body_html(article), markdown, site.config.readability_target)
    diags += check_review(article, today)
    diags += check_sources(article)
    diags += check_markdown(article, markdown)
    diags += check_image_alt(article)
    diags += check_summary(article)
    diags += check_history(article)
    return diags


def is_english(article: Article, site: Site) -> bool:
    """Flesch-Kincaid is a formula for English text."""
    return (article.language or site.config.language).split("-")[0].lower() == "en"


# The site each worker process was forked with (a worker-process global, set once by
# the pool's initializer, as incremental.py does for rendering).
_WORKER: dict = {}


def _worker_start(site: Site, articles: list[Article], today: dt.date) -> None:
    _WORKER.update(site=site, articles=articles, today=today)


def _worker_check(numbers: range) -> list[Diagnostic]:
    return _check_chunk(_WORKER["site"], _WORKER["articles"], _WORKER["today"], numbers)


def _check_chunk(site: Site, articles: list[Article], today: dt.date, numbers: range) -> list[Diagnostic]:
    return [d for number in numbers for d in check_article(site, articles[number], today)]


def _warm_readability() -> None:
    """textstat loads its pronouncing dictionary on first use (seconds)."""
    import textstat

    textstat.flesch_kincaid_grade("A short text to load the syllable dictionary.")


def check_translations(site: Site) -> list[Diagnostic]:
    """On a site in several languages: a translation whose source (the default
    language's standard version) changed after it, and a translation_key that no
    article of the default language has."""
    from ..loading.names import translation_key  # model

    config = site.config
    if not config.languages:
        return []
    sources = {}
    for article in site.articles:
        if article.language == config.language and not article.variant:
            sources.setdefault(translation_key(article), article)
    diags = []
    for article in site.articles:
        if article.language == config.language:
            continue
        source = sources.get(translation_key(article))
        if source is None:
            if article.translation_key:
                pos = _at(article, "translation_key")
                diags.append(warning(article.source, pos.line, pos.col,
                                     f"translation_key '{article.translation_key}' is not used by any "
                                     f"'{config.language}' article, so this translation has no source; "
                                     "check the key or give the source article the same translation_key",
                                     "translation-orphan"))
            continue
        changed = max(d for d in (source.modified, source.reviewed) if d is not None)
        own = max(d for d in (article.modified, article.reviewed) if d is not None)
        if changed > own:
            pos = _at(article, "updated") if "updated" in article.positions else _at(article, "date")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"this translation may be out of date: its source {source.source} changed on "
                                 f"{changed.isoformat()}, after this translation ({own.isoformat()}); "
                                 "update the translation and its 'updated:' date", "translation-stale"))
    return diags


def _at(article: Article, key: str) -> Position:
    return article.positions.get(key, Position(1, 1))


def body_markdown(article: Article) -> str:
    """The Markdown body of the article's file (the site model does not keep it)."""
    from ..loading.article import decode  # model

    try:
        text, _ = decode(Path(article.source).read_bytes(), article.source)
        return split(text or "")[1]
    except (OSError, FrontMatterError):
        return ""


def check_readability(article: Article, body_html: str, body_markdown: str, target: float) -> list[Diagnostic]:
    import textstat  # slow to import: not loaded by a check whose result is stored

    from ..loading.markup import prose_text  # model

    text = prose_text(body_html)
    if len(text.split()) < READABILITY_MIN_WORDS:
        return []
    grade = round(textstat.flesch_kincaid_grade(text), 1)  # compared as shown
    if grade <= target:
        return []
    lines = body_markdown.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), 0)
    return [warning(article.source, article.body_first_line + first, 1,
                    f"reading level is grade {grade:.1f} (Flesch-Kincaid), above the target of {target:g}, "
                    "use shorter sentences and everyday words", "readability")]


def check_review(article: Article, today: dt.date) -> list[Diagnostic]:
    if article.next_review is None:
        return []
    key = "next_review" if "next_review" in article.positions else "reviewed"
    pos = _at(article, key)
    due = article.next_review
    if due < today:
        return [error(article.source, pos.line, pos.col,
                      f"medical review is overdue: it was due on {due.isoformat()}, "
                      "have the article reviewed and update 'reviewed'", "review-overdue")]
    if (due - today).days <= REVIEW_WARNING_DAYS:
        return [warning(article.source, pos.line, pos.col,
                        f"medical review is due on {due.isoformat()} (in {(due - today).days} days), "
                        "plan the review", "review-due")]
    return []


def check_sources(article: Article) -> list[Diagnostic]:
    if article.sources:
        return []
    return [warning(article.source, 1, 1,
                    "the article lists no sources, add a 'sources:' list with the guidance or research it is based on",
                    "no-sources")]


def check_markdown(article: Article, body_markdown: str) -> list[Diagnostic]:
    from ..loading.markup import CALLOUT_LABELS, scan_source  # model

    diags: list[Diagnostic] = []
    previous = 1  # the page title is the <h1>
    offset = article.body_first_line - 1
    for item in scan_source(body_markdown):
        line = item.line + offset
        if item.kind == "image" and not item.text.strip():
            diags.append(error(article.source, line, item.col,
                               f"image '{item.target}' has no alt text, describe it: ![what the image shows]({item.target})",
                               "alt-text"))
        elif item.kind == "callout" and item.text not in CALLOUT_LABELS:
            diags.append(warning(article.source, line, item.col,
                                 f"callout type '{item.text}' has no care style, "
                                 f"use one of: {', '.join(CALLOUT_LABELS)}", "callout-type"))
        elif item.kind == "heading":
            if item.level == 1:
                diags.append(error(article.source, line, item.col,
                                   f"heading '{item.text}' is a second <h1> (the title is the first), "
                                   "use '##' for sections", "second-h1"))
                previous = 1
                continue
            if item.level > previous + 1:
                diags.append(warning(article.source, line, item.col,
                                     f"heading '{item.text}' skips from level {previous} to {item.level}, "
                                     f"use {'#' * (previous + 1)} here", "heading-skip"))
            previous = item.level
    return diags


def check_image_alt(article: Article) -> list[Diagnostic]:
    """The front matter's image is shown on cards: it needs alt text like the body's images."""
    if not article.image or article.image_alt is not None:
        return []
    pos = _at(article, "image")
    written = posixpath.relpath(article.image, posixpath.dirname(article.path))
    return [error(article.source, pos.line, pos.col,
                  f"image '{written}' has no alt text, describe it on the next line: image_alt: \"what the image "
                  "shows\" (or image_alt: \"\" if it only decorates)")]


def check_history(article: Article) -> list[Diagnostic]:
    """Page history entries in date order, and `reviewed:` agreeing with the latest review entry."""
    diags: list[Diagnostic] = []
    for index in range(1, len(article.history)):
        before, entry = article.history[index - 1], article.history[index]
        if entry.date < before.date:
            pos = _at(article, f"history.{index}.date")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"history entry {index + 1} ({entry.date}) is dated before entry {index} "
                                 f"({before.date}), list the entries oldest first", "history-order"))
    reviews = [(i, e) for i, e in enumerate(article.history) if e.change == "reviewed"]
    if reviews and article.reviewed is not None:
        index, latest = max(reviews, key=lambda pair: (pair[1].date, pair[0]))
        if latest.date != article.reviewed:
            pos = _at(article, "reviewed")
            entry_pos = _at(article, f"history.{index}")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"'reviewed' is {article.reviewed} but the latest review in 'history' "
                                 f"(line {entry_pos.line}) is {latest.date}, make them the same date", "history-review"))
        elif latest.by != article.reviewed_by:
            pos = _at(article, f"history.{index}.by")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"the latest review in 'history' is by '{latest.by}' but 'reviewed_by' is "
                                 f"'{article.reviewed_by}', make them the same person", "history-review"))
    return diags


def check_summary(article: Article) -> list[Diagnostic]:
    from ..loading.article import DESCRIPTION_LIMIT  # model

    if len(article.summary) <= DESCRIPTION_LIMIT:
        return []
    pos = _at(article, "summary")
    return [warning(article.source, pos.line, pos.col,
                    f"the summary is {len(article.summary)} characters, search engines show about "
                    f"{DESCRIPTION_LIMIT}, shorten it", "summary-length")]


def check_duplicate_titles(articles) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    seen: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.source):
        key = " ".join(article.title.lower().split())
        first = seen.setdefault(key, article)
        if first is not article:
            pos = _at(article, "title")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"the title '{article.title}' is also used by {first.source}, "
                                 "give each article its own title", "duplicate-title"))
    return diags


# --- rules: a stable code for every kind of finding ----------------------------------

# Every code a finding can carry (Diagnostic.code, set where the finding is made). The
# codes are part of the output (text, JSON, GitHub) and of `check_disable:` in
# healthhub.yaml: a code, once shipped, keeps its name.
RULES = (
    "readability", "review-overdue", "review-due", "no-sources", "alt-text", "second-h1", "heading-skip",
    "callout-type", "summary-length", "duplicate-title", "unknown-field", "duplicate-field", "author-profile",
    "unknown-person", "template-tag", "link-nowhere", "broken-link", "same-address", "history-order",
    "history-review", "source-link", "translation-stale", "translation-orphan", "translation-key",
)
# Findings without a rule of their own (a date that is not a date, broken YAML, ...).
FALLBACK_ERROR, FALLBACK_WARNING = "content", "content-warning"
RULE_CODES = RULES + (FALLBACK_ERROR, FALLBACK_WARNING)
FIRST_FEW = 5


def rule_of(diagnostic: Diagnostic) -> str:
    return diagnostic.code or (FALLBACK_ERROR if diagnostic.is_error else FALLBACK_WARNING)


# --- output formats ------------------------------------------------------------

def summary_line(result: CheckResult) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    unreadable = ""
    if result.unparsed:
        unreadable = f"; {result.unparsed} file{'s' * (result.unparsed != 1)} could not be read as an article"
    if not result.diagnostics:
        return f"Checked {result.articles} article{'s' * (result.articles != 1)}: no problems found{unreadable}."
    files = len({d.path for d in result.diagnostics})
    return (f"Checked {result.articles} article{'s' * (result.articles != 1)}: "
            f"{errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)}{unreadable}.")


def totals(result: CheckResult) -> list[str]:
    """One line per rule: its code, errors and warnings (most first)."""
    counts: dict[str, list[int]] = {}
    for d in result.diagnostics:
        counts.setdefault(rule_of(d), [0, 0])[0 if d.is_error else 1] += 1
    width = max(map(len, counts), default=0)
    lines = ["Totals by rule:"]
    for code, (errors, warnings) in sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0])):
        lines.append(f"  {code:<{width}}  {errors:>6} error{'s' * (errors != 1):<1}  {warnings:>6} warning{'s' * (warnings != 1)}")
    return lines


def format_text(result: CheckResult, verbose: bool = False) -> str:
    """Each finding with its rule; a rule with many findings shows its first few
    (and how many more) unless verbose; totals by rule when there are many."""
    by_rule: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        by_rule.setdefault(rule_of(d), []).append(d)
    lines: list[str] = []
    grouped = not verbose and len(result.diagnostics) > FIRST_FEW * 4
    if not grouped:
        lines = [f"{d.format()} [{rule_of(d)}]" for d in result.diagnostics]
    else:
        # rules with errors first, then the most common
        for code, found in sorted(by_rule.items(), key=lambda item: (not any(d.is_error for d in item[1]),
                                                                       -len(item[1]), item[0])):
            if len(found) > FIRST_FEW * 2:
                lines += [f"{d.format()} [{code}]" for d in found[:FIRST_FEW]]
                lines.append(f"  ... and {len(found) - FIRST_FEW} more [{code}] (--verbose lists them all)")
            else:
                lines += [f"{d.format()} [{code}]" for d in found]
    if len(result.diagnostics) > FIRST_FEW * 4:
        lines += totals(result)
    if result.scheduled:
        lines.append(f"Scheduled ({len(result.scheduled)}):")
        lines += [f"{source}: {what} on {day.isoformat()}" for source, what, day in result.scheduled]
    return "".join(line + "\n" for line in lines) + summary_line(result) + "\n"


def format_json(result: CheckResult, verbose: bool = False) -> str:
    counts: dict[str, dict[str, int]] = {}
    for d in result.diagnostics:
        counts.setdefault(rule_of(d), {"errors": 0, "warnings": 0})["errors" if d.is_error else "warnings"] += 1
    return json.dumps({
        "articles": result.articles,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "unparsed_files": result.unparsed,
        "rules": dict(sorted(counts.items())),
        "diagnostics": [
            {"file": d.path, "line": d.line, "col": d.col, "severity": d.severity, "rule": rule_of(d),
             "message": d.message}
            for d in result.diagnostics
        ],
        **({"scheduled": [{"file": source, "event": what, "date": day.isoformat()}
                          for source, what, day in result.scheduled]} if result.scheduled else {}),
    }, indent=2, ensure_ascii=False) + "\n"


def _github_escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping (%, CR and LF; in properties also ':' and ','),
    after every other control character is shown as an escape, as in text output
    (a raw ESC would reach the log as a terminal command)."""
    text = one_line(text)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(result: CheckResult, verbose: bool = False) -> str:
    """GitHub workflow commands: each problem becomes an annotation on its line."""
    lines = [
        f"::{d.severity} file={_github_escape(d.path, True)},line={d.line},col={d.col},"
        f"title={_github_escape(rule_of(d), True)}::{_github_escape(d.message)}"
        for d in result.diagnostics
    ]
    return "".join(line + "\n" for line in lines) + summary_line(result) + "\n"


FORMATS = {"text": format_text, "json": format_json, "github": format_github}


def run_check(options, config, people, people_diags, today: dt.date, disabled: tuple[str, ...] = (),
              external=None, people_failed: bool = False) -> CheckResult:
    """Load the site as the build does (options: a build.BuildOptions for the articles,
    drafts, cache and jobs), through the build's cache, add the editorial checks,
    leave out the rules switched off. `external`: a function of the site giving more
    diagnostics (`check --external`), whose answers are never stored.
    `people_failed`: the people file could not be read (build.without_people_echoes).

    When a check with the same inputs (every article file by its stat, the config,
    people, templates, HealthHub's code, the day, the rules switched off) stored its
    result, that result is the answer: nothing is parsed or checked."""
    from ..caching.bodies import BodyMissing
    from ..build import inputs_digest
    from ..caching.cache import Cache, digest
    from ..loading.scan import as_paths, scan_names

    options = dataclasses.replace(options, future=True, today=today)  # scheduled articles are checked too
    scanned = scan_names(options.articles_dir)  # names: Paths only when the articles are read (as_paths)
    inputs, racy, signatures = inputs_digest(options, config, people, scanned)
    key = digest(inputs + repr(("check", sorted(set(people_diags)), tuple(disabled))).encode("utf-8", "surrogateescape"))
    trusted = not racy and external is None  # a file changed seconds ago, or answers from the network: never stored
    cache = Cache(options.cache_folder())
    if trusted:
        stored = stored_result(cache, key)
        if stored is not None:
            return stored
    try:
        result = _run_check(options, config, people, people_diags, cache, as_paths(scanned), signatures, disabled,
                            external, people_failed)
    except BodyMissing:  # the cache promised a body it does not have: never trust it, start from the sources
        cache.clear()
        cache = Cache(None)
        result = _run_check(options, config, people, people_diags, cache, as_paths(scanned), signatures, disabled,
                            external, people_failed)
    if trusted:
        cache.store(CHECK_STORE, {"key": key, "result": to_plain_result(result)})
    return result


CHECK_STORE = "check"  # the name of the stored result in the build cache


def _run_check(options, config, people, people_diags, cache, scanned, signatures, disabled, external,
               people_failed: bool) -> CheckResult:
    from ..caching.bodies import TemporaryBodies
    from ..build import BuildLocked, build_lock, load_articles, without_people_echoes
    from ..caching.cache import Cache

    jobs = max(1, options.job_count())
    with contextlib.ExitStack() as stack:
        if cache.folder is not None:
            try:  # the build cache is shared with builds: one at a time
                stack.enter_context(build_lock(options.out_dir))
            except (BuildLocked, OSError):  # a build is running, or no lock can be made: check without the cache
                cache = Cache(None)
        bodies = stack.enter_context(cache.bodies() or TemporaryBodies())
        loaded = load_articles(options, config, people, cache, bodies, jobs, scanned=scanned, signatures=signatures)
        site = loaded.site
        diags = (without_people_echoes(list(loaded.diagnostics) + check_site(site, options.publish_day(), jobs),
                                       people_failed) + list(people_diags))
        if external is not None:
            diags += external(site)
    diags = [d for d in diags if rule_of(d) not in disabled]
    return CheckResult(sorted(set(diags)), len(site.articles), loaded.unreadable,
                       scheduled_events(site, options.publish_day()))


def to_plain_result(result: CheckResult):
    from ..caching.cache import to_plain

    return to_plain((result.diagnostics, result.articles, result.unparsed, result.scheduled))


def stored_result(cache, key: bytes) -> CheckResult | None:
    """The stored result of a check with these inputs, or None (anything unreadable: None)."""
    from ..caching.cache import from_plain

    stored = cache.load(CHECK_STORE)
    if stored.get("key") != key:
        return None
    try:
        diagnostics, articles, unparsed, scheduled = from_plain(stored["result"], {})  # {}: classes looked up once
        result = CheckResult(list(diagnostics), int(articles), int(unparsed), tuple(scheduled))
        if not all(isinstance(d, Diagnostic) for d in result.diagnostics):
            return None
        return result
    except Exception:  # a record of another shape: check again
        return None


def scheduled_events(site: Site, today: dt.date) -> tuple[tuple[str, str, dt.date], ...]:
    """Articles published after today, and articles taken down after today, by day."""
    events = [(a.source, "published", a.date) for a in site.articles if a.date > today]
    events += [(a.source, "taken down (expires)", a.expires) for a in site.articles
               if a.expires is not None and a.expires > today]
    return tuple(sorted(events, key=lambda e: (e[2], e[0])))
