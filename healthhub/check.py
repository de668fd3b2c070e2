"""`healthhub check`: a content check for editors.

It loads the site exactly as the build does (so every build error is reported
too) and adds editorial checks: readability, review dates, sources, alt text,
heading levels, links between articles, duplicate titles and long summaries.
Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import textstat

from .content import DESCRIPTION_LIMIT, Article, Site, decode, load_site, translation_key
from .errors import Diagnostic, HasDiagnostics, error, one_line, warning
from .frontmatter import FrontMatterError, Position, split
from .markup import CALLOUT_LABELS, prose_text, scan_source

REVIEW_WARNING_DAYS = 30
# Readability formulas are noise on very short texts.
READABILITY_MIN_WORDS = 100


@dataclass(frozen=True)
class CheckResult(HasDiagnostics):
    diagnostics: list[Diagnostic]
    articles: int
    unparsed: int = 0  # Markdown files that could not be read as an article (errors say why)
    # (source, what happens, day): articles that go live or are taken down after today
    scheduled: tuple[tuple[str, str, dt.date], ...] = ()


def check_site(site: Site, today: dt.date) -> list[Diagnostic]:
    """Editorial checks on a loaded site (load_site reports everything else)."""
    diags: list[Diagnostic] = []
    for article in sorted(site.articles, key=lambda a: a.source):
        markdown = body_markdown(article)
        # Flesch-Kincaid is a formula for English text
        if (article.language or site.config.language).split("-")[0].lower() == "en":
            diags += check_readability(article, site.body_html(article), markdown, site.config.readability_target)
        diags += check_review(article, today)
        diags += check_sources(article)
        diags += check_markdown(article, markdown)
        diags += check_summary(article)
        diags += check_history(article)
    diags += check_duplicate_titles(site.articles)
    diags += check_translations(site)
    return diags


def check_translations(site: Site) -> list[Diagnostic]:
    """On a site in several languages: a translation whose source (the default
    language's standard version) changed after it, and a translation_key that no
    article of the default language has."""
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
                                     "check the key or give the source article the same translation_key"))
            continue
        changed = max(d for d in (source.modified, source.reviewed) if d is not None)
        own = max(d for d in (article.modified, article.reviewed) if d is not None)
        if changed > own:
            pos = _at(article, "updated") if "updated" in article.positions else _at(article, "date")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"this translation may be out of date: its source {source.source} changed on "
                                 f"{changed.isoformat()}, after this translation ({own.isoformat()}); "
                                 "update the translation and its 'updated:' date"))
    return diags


def _at(article: Article, key: str) -> Position:
    return article.positions.get(key, Position(1, 1))


def body_markdown(article: Article) -> str:
    """The Markdown body of the article's file (the site model does not keep it)."""
    try:
        text, _ = decode(Path(article.source).read_bytes(), article.source)
        return split(text or "")[1]
    except (OSError, FrontMatterError):
        return ""


def check_readability(article: Article, body_html: str, body_markdown: str, target: float) -> list[Diagnostic]:
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
                    "use shorter sentences and everyday words")]


def check_review(article: Article, today: dt.date) -> list[Diagnostic]:
    if article.next_review is None:
        return []
    key = "next_review" if "next_review" in article.positions else "reviewed"
    pos = _at(article, key)
    due = article.next_review
    if due < today:
        return [error(article.source, pos.line, pos.col,
                      f"medical review is overdue: it was due on {due.isoformat()}, "
                      "have the article reviewed and update 'reviewed'")]
    if (due - today).days <= REVIEW_WARNING_DAYS:
        return [warning(article.source, pos.line, pos.col,
                        f"medical review is due on {due.isoformat()} (in {(due - today).days} days), "
                        "plan the review")]
    return []


def check_sources(article: Article) -> list[Diagnostic]:
    if article.sources:
        return []
    return [warning(article.source, 1, 1,
                    "the article lists no sources, add a 'sources:' list with the guidance or research it is based on")]


def check_markdown(article: Article, body_markdown: str) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    previous = 1  # the page title is the <h1>
    offset = article.body_first_line - 1
    for item in scan_source(body_markdown):
        line = item.line + offset
        if item.kind == "image" and not item.text.strip():
            diags.append(error(article.source, line, item.col,
                               f"image '{item.target}' has no alt text, describe it: ![what the image shows]({item.target})"))
        elif item.kind == "callout" and item.text not in CALLOUT_LABELS:
            diags.append(warning(article.source, line, item.col,
                                 f"callout type '{item.text}' has no care style, "
                                 f"use one of: {', '.join(CALLOUT_LABELS)}"))
        elif item.kind == "heading":
            if item.level == 1:
                diags.append(error(article.source, line, item.col,
                                   f"heading '{item.text}' is a second <h1> (the title is the first), "
                                   "use '##' for sections"))
                previous = 1
                continue
            if item.level > previous + 1:
                diags.append(warning(article.source, line, item.col,
                                     f"heading '{item.text}' skips from level {previous} to {item.level}, "
                                     f"use {'#' * (previous + 1)} here"))
            previous = item.level
    return diags


def check_history(article: Article) -> list[Diagnostic]:
    """Page history entries in date order, and `reviewed:` agreeing with the latest review entry."""
    diags: list[Diagnostic] = []
    for index in range(1, len(article.history)):
        before, entry = article.history[index - 1], article.history[index]
        if entry.date < before.date:
            pos = _at(article, f"history.{index}.date")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"history entry {index + 1} ({entry.date}) is dated before entry {index} "
                                 f"({before.date}), list the entries oldest first"))
    reviews = [(i, e) for i, e in enumerate(article.history) if e.change == "reviewed"]
    if reviews and article.reviewed is not None:
        index, latest = max(reviews, key=lambda pair: (pair[1].date, pair[0]))
        if latest.date != article.reviewed:
            pos = _at(article, "reviewed")
            entry_pos = _at(article, f"history.{index}")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"'reviewed' is {article.reviewed} but the latest review in 'history' "
                                 f"(line {entry_pos.line}) is {latest.date}, make them the same date"))
        elif latest.by != article.reviewed_by:
            pos = _at(article, f"history.{index}.by")
            diags.append(warning(article.source, pos.line, pos.col,
                                 f"the latest review in 'history' is by '{latest.by}' but 'reviewed_by' is "
                                 f"'{article.reviewed_by}', make them the same person"))
    return diags


def check_summary(article: Article) -> list[Diagnostic]:
    if len(article.summary) <= DESCRIPTION_LIMIT:
        return []
    pos = _at(article, "summary")
    return [warning(article.source, pos.line, pos.col,
                    f"the summary is {len(article.summary)} characters, search engines show about "
                    f"{DESCRIPTION_LIMIT}, shorten it")]


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
                                 "give each article its own title"))
    return diags


# --- rules: a stable code for every kind of finding ----------------------------------

# (code, pattern on the message). The first that matches names the rule; the codes
# are part of the output (text and JSON) and of `check_disable:` in healthhub.yaml.
RULES: tuple[tuple[str, re.Pattern], ...] = tuple((code, re.compile(pattern)) for code, pattern in (
    ("readability", r"^reading level is grade"),
    ("review-overdue", r"^medical review is overdue"),
    ("review-due", r"^medical review is due"),
    ("no-sources", r"^the article lists no sources"),
    ("alt-text", r"^image '.*' has no alt text"),
    ("second-h1", r"is a second <h1>"),
    ("heading-skip", r"^heading '.*' skips from level"),
    ("callout-type", r"^callout type '.*' has no care style"),
    ("summary-length", r"^the summary is \d+ characters"),
    ("duplicate-title", r"^the title '.*' is also used by"),
    ("unknown-field", r"^unknown (front-matter )?field"),
    ("duplicate-field", r"is given twice"),
    ("author-profile", r"^author '.*' has no profile"),
    ("unknown-person", r"^unknown (author|reviewer)"),
    ("template-tag", r"is left in the text and is shown as written"),
    ("link-nowhere", r"^link to '/.*' leads nowhere"),
    ("broken-link", r"^link to '"),
    ("same-address", r"would both be published at|would replace the page"),
    ("history-order", r"^history entry \d+ .* is dated before entry"),
    ("history-review", r"latest review in 'history'"),
    ("source-link", r"^source \d+'s (url|doi) "),
    ("translation-stale", r"^this translation may be out of date"),
    ("translation-orphan", r"so this translation has no source"),
))
FALLBACK_ERROR, FALLBACK_WARNING = "content", "content-warning"
RULE_CODES = tuple(code for code, _ in RULES) + (FALLBACK_ERROR, FALLBACK_WARNING)
FIRST_FEW = 5


def rule_of(diagnostic: Diagnostic) -> str:
    for code, pattern in RULES:
        if pattern.search(diagnostic.message):
            return code
    return FALLBACK_ERROR if diagnostic.is_error else FALLBACK_WARNING


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


def run_check(config, articles_dir, people, people_diags, today: dt.date, drafts: bool = False,
              disabled: tuple[str, ...] = (), jobs: int = 0, external=None) -> CheckResult:
    """Load the site as the build does (articles parsed on every core), add the
    editorial checks, leave out the rules switched off. `external`: a function of the
    site giving more diagnostics (`check --external`)."""
    from .bodies import TemporaryBodies
    from .sources import SourceReader

    jobs = jobs or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
    unparsed = 0
    with TemporaryBodies() as bodies:
        reader = SourceReader(None, bodies, jobs)

        def read_articles(sources, config, people, *more):
            nonlocal unparsed
            results = reader(sources, config, people, *more)
            unparsed = sum(1 for article, problems, _ in results if article is None)
            return results

        site, diags = load_site(config, articles_dir, drafts=drafts, people=people, read_articles=read_articles,
                                bodies=bodies, today=today, future=True)  # scheduled articles are checked too
        diags = list(diags) + list(people_diags) + check_site(site, today)
        if external is not None:
            diags += external(site)
    diags = [d for d in diags if rule_of(d) not in disabled]
    return CheckResult(sorted(set(diags)), len(site.articles), unparsed, scheduled_events(site, today))


def scheduled_events(site: Site, today: dt.date) -> tuple[tuple[str, str, dt.date], ...]:
    """Articles published after today, and articles taken down after today, by day."""
    events = [(a.source, "published", a.date) for a in site.articles if a.date > today]
    events += [(a.source, "taken down (expires)", a.expires) for a in site.articles
               if a.expires is not None and a.expires > today]
    return tuple(sorted(events, key=lambda e: (e[2], e[0])))
