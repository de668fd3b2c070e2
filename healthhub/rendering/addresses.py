"""Addresses that never break: redirects from old addresses (`aliases:`), pages
removed on purpose (`gone:` in the config), and the removed-page guard.

The guard keeps every address the site has published in a small text file
next to the config (published-addresses.txt, meant to be committed, so a CI
build from a fresh clone knows them too). A build that would no longer publish
one of them, with no alias or `gone:` entry for it, fails and says which
article most likely replaced it.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from pathlib import Path
from typing import Iterable

from .. import paths
from ..errors import Diagnostic, did_you_mean, error

ADDRESSES_FILE = "published-addresses.txt"
HEADER = ("# HealthHub: every address this site has published, kept by the build (commit this file).\n"
          "# An address that disappears fails the build until it gets an alias or a gone: entry, see the README.\n")
# Addresses of the site itself that an alias or a gone: entry may not take.
SITE_FILES = ("index.html", "search.html", "404.html", "topics.html", "feed.xml", "sitemap.xml", "robots.txt",
              "_redirects", "tags/index.html")
SHOWN_AT_MOST = 20  # removed addresses reported one by one; the rest are counted
# An address as format_addresses writes most of them: one leading slash, segments of
# unreserved characters that do not start with a dot. paths.address_path gives such an
# address its site path unchanged (with index.html after a folder); read_addresses
# takes that short way for them.
_PLAIN_ADDRESS = re.compile(r"/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)?")


def url_of(path: str) -> str:
    """The address a person types for a site path: /health/knee.html, /old-folder/."""
    return "/" + (path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path)


def alias_problems(site) -> list[Diagnostic]:
    """An alias or a gone: entry that clashes with a page, a file or another alias."""
    config = site.config
    taken: dict[str, str] = {path: f"the article {article.source}" for path, article in site.by_path.items()}
    for category in site.categories:
        taken[category.path] = f"the category page of {category.name}"
        taken[paths.feed_path(category.slug)] = f"the feed of {category.name}"
    for tag in site.tags:
        taken[tag.path] = f"the page of the tag {tag.name}"
    for person in site.people.values():
        taken[person.path] = f"the page of {person.name}"
    for name in SITE_FILES:
        taken[name] = "one of the site's own pages"
    for prefix in [paths.language_prefix(language.code, config.language) for language in config.languages] or [""]:
        own = paths.SitePaths.of(prefix)  # each language's own A to Z, topics, glossary... (pages.site_pages)
        for name in (own.home, own.atoz, own.topics, own.glossary, own.accessibility, own.search, own.tags_index,
                     paths.not_found_path(prefix), prefix + paths.feed_path()):
            taken[name] = "one of the site's own pages"
    for name in site.files:
        taken[name] = "a file copied next to the articles"
    problems: list[Diagnostic] = []
    aliases: dict[str, str] = {}
    for article in sorted(site.articles, key=lambda a: a.source):
        pos = article.positions.get("aliases")
        line, col = (pos.line, pos.col) if pos else (1, 1)
        for alias in article.aliases:
            clash = taken.get(alias) or aliases.get(alias)
            if alias == article.path:
                problems.append(error(article.source, line, col,
                                      f"the alias {url_of(alias)} is this article's own address, remove it"))
            elif clash or alias.startswith(("assets/", "pagefind/")) or alias.endswith("/feed.xml"):
                what = clash or "a folder the site itself uses"
                problems.append(error(article.source, line, col,
                                      f"the alias {url_of(alias)} is the address of {what}, remove the alias"))
            else:
                aliases[alias] = f"an alias of {article.source}"
    for path, line, col in config.gone:
        clash = taken.get(path) or aliases.get(path)
        if clash:
            problems.append(error(config.source or "healthhub.yaml", line, col,
                                  f"gone: {url_of(path)} is still the address of {clash}, "
                                  "remove it from 'gone' (or remove the page)"))
    return problems + renamed_categories(site)[1]


def renamed_categories(site) -> tuple[list[tuple[str, object]], list[Diagnostic]]:
    """`category_aliases:` as (old folder, the Category that replaced it), and the
    problems: a current name that is no category, an old name that still is one."""
    config = site.config
    display = config.source or "healthhub.yaml"
    by_name = {}
    for category in site.categories:
        by_name.setdefault(category.name, category)
        by_name.setdefault(category.slug.rpartition("/")[2], category)  # the folder name works too
    current = {category.slug for category in site.categories}
    found, problems = [], []
    for old, new, line, col in config.category_aliases:
        category = by_name.get(new)
        if category is None:
            names = sorted({c.name for c in site.categories})
            problems.append(error(display, line, col,
                                  f"category_aliases: '{new}' is not the category of any article"
                                  f"{did_you_mean(new, tuple(names))}, write the current name of the category "
                                  f"that replaced '{old}'"))
            continue
        slug = paths.category_slug(old)
        folder = category.slug.rpartition("/")[0]  # a category of another language is in its folder
        slug = f"{folder}/{slug}" if folder and slug else slug
        if not slug:
            problems.append(error(display, line, col, f"category_aliases: '{old}' has no letters or digits, "
                                                      "write the old category's name"))
        elif slug in current:
            problems.append(error(display, line, col,
                                  f"category_aliases: '{old}' is still a category (at /{slug}/), "
                                  f"remove it from 'category_aliases' or move its articles to {new}"))
        else:
            found.append((slug, category))
    return found, problems


def category_redirects(site) -> list[tuple[str, str, str]]:
    """(old address, new address, title) for every renamed category (`category_aliases:`):
    its old page and the old address of each article it has now. An address an
    article's `aliases:` or a `gone:` entry already gives is left to them."""
    renamed, _ = renamed_categories(site)
    if not renamed:
        return []
    taken = {alias for article in site.articles for alias in article.aliases}
    taken.update(path for path, _line, _col in site.config.gone)
    redirects = {}
    for slug, category in renamed:
        redirects.setdefault(paths.category_path(slug), (category.path, category.name))
        for article in category.articles:
            if not article.draft:
                redirects.setdefault(paths.article_path(slug, article.slug), (article.path, article.title))
    return [(old, new, title) for old, (new, title) in sorted(redirects.items()) if old not in taken]


def redirects_file(site) -> bytes:
    """`_redirects` for hosts that read one (Netlify, Cloudflare Pages): one 301 per alias;
    then, on a site in several languages, a not-found rule per language folder, so a
    missing /es/... address gets the Spanish 404 page (a rule never hides a file that
    exists: Netlify applies it only when no file matches; Cloudflare Pages skips a 404
    rule and serves the nearest 404.html, which is the same page)."""
    root = re.sub(r"^https?://[^/]+", "", site.config.base_url).rstrip("/")
    lines = []
    moved = [(alias, article.path) for article in site.articles for alias in article.aliases]
    moved += [(old, new) for old, new, _title in category_redirects(site)]
    if site.config.base_url:  # a renamed category's feed moves with it
        moved += [(paths.feed_path(slug), paths.feed_path(category.slug)) for slug, category in renamed_categories(site)[0]]
    for alias, path in moved:
        target = root + "/" + url_of(path).lstrip("/")
        lines.append(f"{root}{url_of(alias)} {target} 301")
        if alias.endswith("/index.html"):  # the folder is also reached by its index.html
            lines.append(f"{root}/{alias} {target} 301")
    config = site.config
    not_found = [f"{root}/{prefix}* {root}/{paths.not_found_path(prefix)} 404"
                 for prefix in sorted(paths.language_prefix(language.code, config.language)
                                      for language in config.languages) if prefix]
    return "".join(line + "\n" for line in sorted(lines) + not_found).encode("utf-8")


_PAGINATED = re.compile(r"(^|/)page/\d+\.html$")


def guarded(outputs: Iterable[str], site) -> set[str]:
    """The addresses the guard keeps among a build's output paths: pages and feeds,
    not the pages after a listing's first (they come and go as articles are added),
    drafts, assets, the search page and index (--no-search leaves them out) or the 404 page."""
    drafts = {a.path for a in site.articles if a.draft}
    prefixes = [paths.language_prefix(language.code, site.config.language) for language in site.config.languages] or [""]
    unguarded = {name for prefix in prefixes for name in (paths.not_found_path(prefix), paths.search_path(prefix))}
    kept = set()
    for path in outputs:
        if not path.endswith((".html", ".xml")) or path in drafts or path in unguarded:
            continue
        if path.startswith(("assets/", "pagefind/")) or _PAGINATED.search(path) or path in site.files:
            continue
        if path.startswith("sitemap-") and paths.SITEMAP_PART.fullmatch(path):  # a big site's parts come and go
            continue
        kept.add(path)
    return kept


def read_addresses(file: Path, display: str) -> tuple[dict[str, int], list[Diagnostic]]:
    """The recorded addresses (site path -> line in the file); none when there is no file yet."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [error(display, 1, 1, f"cannot read the list of published addresses ({exc}), "
                                         "restore it from version control or delete it to start a new one")]
    if text and not text.startswith(HEADER.splitlines()[0]):
        return {}, [error(display, 1, 1, "this file is not HealthHub's list of published addresses, "
                                         "move it away (HealthHub keeps that list under this name)")]
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if _PLAIN_ADDRESS.fullmatch(line):
            path = line[1:] + "index.html" if line.endswith("/") else line[1:]
        else:
            path = paths.address_path(line)
        if path is None:
            return {}, [error(display, number, 1, f"'{line}' is not an address inside the site, "
                                                  "remove the line or restore the file from version control")]
        found.setdefault(path, number)
    return found, []


def format_addresses(addresses: Iterable[str]) -> bytes:
    return (HEADER + "".join(url + "\n" for url in sorted(url_of(path) for path in addresses))).encode("utf-8")


def write_addresses(file: Path, data: bytes) -> None:
    """Replace the file in one step, only when its contents change."""
    try:
        if file.read_bytes() == data:
            return
    except OSError:
        pass
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, file)


def removed_problems(recorded: dict[str, int], published: set[str], site, display: str) -> list[Diagnostic]:
    """An error for each recorded address this build does not publish (at most
    SHOWN_AT_MOST, then a count), naming the likely replacement."""
    missing = sorted((line, path) for path, line in recorded.items() if path not in published)
    config_name = site.config.source or "healthhub.yaml"
    problems = []
    for line, path in missing[:SHOWN_AT_MOST]:
        address = url_of(path)
        found = likely_replacement(path, site, recorded) if not path.startswith("tags/") else None
        if path == "tags/index.html":
            hint = "no article has tags any more, so there is no list of tags: give an article a tag again"
        elif path.startswith("tags/"):
            hint = "no article has this tag any more: give one of them the tag again"
        elif found is not None and hasattr(found, "source"):
            hint = (f"it looks like {found.source} (\"{found.title}\", now at {url_of(found.path)}) replaced it: "
                    f"add  aliases: [{address}]  to its front matter")
        elif found is not None:
            hint = (f"it looks like the category {found.name} (now at {url_of(found.path)}) replaced it: "
                    f"add  category_aliases: {{{posixpath.dirname(path).rpartition('/')[2]}: {found.name}}}  "
                    f"to {config_name}")
        else:
            hint = "if another page replaced it, add  aliases: [" + address + "]  to that article's front matter"
        problems.append(error(display, line, 1,
                              f"{address} was published before but this build no longer makes it; {hint}; "
                              f"or, if it is gone on purpose, add it to {config_name} under  gone: [{address}]"))
    if len(missing) > SHOWN_AT_MOST:
        problems.append(error(display, missing[SHOWN_AT_MOST][0], 1,
                              f"and {len(missing) - SHOWN_AT_MOST} more published addresses are no longer made, "
                              "each needs an alias or a gone: entry in the same way"))
    return problems


def likely_replacement(path: str, site, recorded: dict[str, int]):
    """The article (or, for a category page, the category) whose slug or title is
    closest to the removed address; new addresses first. None if none is close."""
    folder, name = posixpath.split(path)
    if name == "index.html" and folder and "/" not in folder:
        slugs = {c.slug: c for c in site.categories}
        close = difflib.get_close_matches(folder, list(slugs), n=1, cutoff=0.5)
        return slugs[close[0]] if close else None
    stem = paths.slugify(posixpath.splitext(name)[0] if name != "index.html" else posixpath.basename(folder))
    words = set(stem.split("-")) or {""}
    best, best_score = None, 0.0
    for article in site.articles:
        if article.draft:
            continue
        title_words = set(paths.slugify(article.title).split("-"))
        score = max(difflib.SequenceMatcher(None, stem, article.slug).ratio(),
                    len(words & title_words) / len(words))  # the old slug's words in the new title
        score += 0.05 * (article.path not in recorded)  # a new address is the likelier replacement
        if score > best_score:
            best, best_score = article, score
    return best if best_score >= 0.6 else None
