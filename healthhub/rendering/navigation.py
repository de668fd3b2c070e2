"""Navigation that stays small on a site with hundreds of categories.

The header shows a few links (config `nav:`, or the first categories of
`category_order` and then those with the most articles) plus "All topics",
a page listing every category grouped by first letter. Pure functions of the
site model, so they are part of every page's fingerprint (render.navigation).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from .. import paths
from ..loading.config import Config
from ..errors import Diagnostic, did_you_mean, error

OFF_SITE = ("http://", "https://", "mailto:", "tel:")  # nav links that lead off the site, as written

@dataclass(frozen=True)
class NavLink:
    """A header link: a category (slug set) or a link from `nav:` (slug '')."""

    name: str
    path: str  # a site path, or a full http(s) URL (mailto:, tel:) for a link off the site
    slug: str = ""

    @property
    def external(self) -> bool:
        return self.path.lower().startswith(OFF_SITE)


def header_links(config: Config, categories) -> tuple[NavLink, ...]:
    """The header's links. `categories`: the site's categories (name, slug, path,
    articles), in the site's order. Unknown names in `nav:` are left out here and
    reported by check_nav."""
    by_slug = {c.slug: c for c in categories}
    if config.nav:
        links = []
        for label, url, _line, _col in config.nav:
            if url:
                links.append(NavLink(label, url))
            elif paths.slugify(label) in by_slug:
                category = by_slug[paths.slugify(label)]
                links.append(NavLink(category.name, category.path, category.slug))
        return tuple(links)
    return tuple(NavLink(c.name, c.path, c.slug) for c in top_categories(config, categories, config.nav_count))


def top_categories(config: Config, categories, count: int) -> list:
    """The first `count` categories of category_order (those that exist), then the
    ones with the most articles (ties by name)."""
    by_slug = {c.slug: c for c in categories}
    chosen = []
    for name in config.category_order:
        found = by_slug.get(paths.slugify(name))
        if found is not None and found not in chosen:
            chosen.append(found)
    rest = sorted((c for c in categories if c not in chosen), key=lambda c: (-len(c.articles), c.name.casefold(), c.slug))
    return (chosen + rest)[:count]


def first_letter(name: str) -> str:
    """The letter a name is filed under: its first letter without accents,
    upper case ('Éczema' -> 'E'); '#' for names starting with a digit or sign."""
    for char in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(char):
            continue
        if char.isalpha():
            return char.upper()
        if not char.isspace():
            return "#"
    return "#"


def topic_groups(categories, language: str = "") -> tuple[tuple[str, tuple], ...]:
    """Every category grouped by first letter: (letter, categories A to Z), '#' first.
    Arabic names are filed without their article, as in the A to Z (atoz.filing_name)."""
    from .atoz import filing_name
    groups: dict[str, list] = {}
    for category in sorted(categories, key=lambda c: (filing_name(c.name, language).casefold(), c.slug)):
        groups.setdefault(first_letter(filing_name(category.name, language)), []).append(category)
    return tuple((letter, tuple(items)) for letter, items in sorted(groups.items(), key=lambda g: (g[0] != "#", g[0])))


def check_nav(config: Config, categories) -> list[Diagnostic]:
    """A `nav:` entry naming a category no article uses is an error at its line."""
    slugs = {c.slug for c in categories}
    names = tuple(c.name for c in categories)
    problems = []
    for label, url, line, col in config.nav:
        if not url and paths.slugify(label) not in slugs:
            problems.append(error(config.source or "healthhub.yaml", line, col,
                                  f"nav: no article has the category '{label}'{did_you_mean(label, tuple(n.lower() for n in names))}, "
                                  "use a category name or a link like {title: A to Z, url: a-z.html}"))
    return problems


def nav_link_problems(config: Config, outputs, search: bool = True) -> list[Diagnostic]:
    """A `nav:` link to a path of the site the build does not make (a page not written
    yet, a typo) is an error at its line: every page of the site would carry it.
    `outputs`: every file of the site, by path. A build without search (--no-search)
    does not make the search pages a link may name."""
    prefixes = [paths.language_prefix(language.code, config.language) for language in config.languages] or [""]
    searches = set() if search else {paths.SitePaths.of(prefix).search for prefix in prefixes}
    problems = []
    for label, url, line, col in config.nav:
        if not url or url.lower().startswith(OFF_SITE):
            continue
        path = unquote(url.split("#", 1)[0].split("?", 1)[0])
        if path in outputs or path in searches or (path.rstrip("/") + "/index.html") in outputs:
            continue
        problems.append(error(config.source or "healthhub.yaml", line, col,
                              f"nav: the link '{label}' leads to {url}, which this build does not make, "
                              "check the address (a path from the site's root, e.g. health/knee-pain.html)"))
    return problems
