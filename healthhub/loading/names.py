"""Names across the site: translations linked by their key, and categories and tags
whose names clash or only look alike (one name each, a warning for the others)."""

from __future__ import annotations

import unicodedata

from . import frontmatter as fm
from .. import paths
from .config import Config
from ..errors import Diagnostic, error, warning
from .model import Article


def translation_key(article: Article) -> str:
    """What links an article to its translations: `translation_key`, else its slug."""
    return article.translation_key or f"slug:{article.slug}"


def link_translations(config: Config, articles) -> tuple[dict[str, tuple[Article, ...]], dict[str, tuple[Article, ...]]]:
    """Per article path: its versions in the other languages (same variant, in the
    config's language order), and its other variants in its own language (the
    easy-read version of a standard one, and back). A key held by two articles of
    one language and variant links nothing there (which one would it be?)."""
    if not config.languages:
        return {}, {}
    rank = {language.code: index for index, language in enumerate(config.languages)}
    groups: dict[str, dict[tuple[str, str], list[Article]]] = {}
    for article in sorted(articles, key=lambda a: a.path):
        groups.setdefault(translation_key(article), {}).setdefault((article.language, article.variant), []).append(article)
    translations: dict[str, tuple[Article, ...]] = {}
    variants: dict[str, tuple[Article, ...]] = {}
    for group in groups.values():
        single = {place: found[0] for place, found in group.items() if len(found) == 1}
        for (language, variant), article in single.items():
            others = sorted((other for (lang, var), other in single.items() if var == variant and lang != language),
                            key=lambda a: rank.get(a.language, len(rank)))
            if others:
                translations[article.path] = tuple(others)
            same = tuple(other for (lang, var), other in sorted(single.items()) if lang == language and var != variant)
            if same:
                variants[article.path] = same
    return translations, variants


def warn_shared_keys(config: Config, articles, diags: list[Diagnostic]) -> None:
    """A `translation_key` two articles of one language (and variant) give links neither
    of them to its translations (link_translations): a warning at each later one's key.
    Keys taken from slugs are left alone (one slug in two categories is common)."""
    if not config.languages:
        return
    first: dict[tuple, Article] = {}
    for article in sorted(articles, key=lambda a: a.source):
        if not article.translation_key or "translation_key" not in article.positions:
            continue
        held = first.setdefault((article.translation_key, article.language, article.variant), article)
        if held is not article:
            where, at = field_at(article, "translation_key"), field_at(held, "translation_key")
            diags.append(warning(
                article.source, where.line, where.col,
                f"translation_key '{article.translation_key}' is also the key of {held.source}:{at.line} in the same "
                "language, so neither is linked to its translations; give each article a key of its own",
                "translation-key"))


def field_at(article: Article, key: str) -> fm.Position:
    return article.positions.get(key) or fm.Position(1, 1)


def chosen_name(uses: dict[str, list[Article]], kind: str, key: str, address: str,
                 diags: list[Diagnostic], warn_spellings: bool) -> str:
    """choose_name for the names given to one address, each with its articles in source
    order; one name (the usual case) is that name."""
    if len(uses) == 1:
        return unicodedata.normalize("NFC", next(iter(uses)))
    # In source order again; an article naming it twice keeps the order of its names
    # (the sort is stable and names are in the order they first appear).
    pairs = sorted(((name, article) for name, articles in uses.items() for article in articles),
                   key=lambda pair: pair[1].source)
    return choose_name(pairs, kind, key, address, diags, warn_spellings)


def choose_name(uses: list[tuple[str, Article]], kind: str, key: str, address: str,
                diags: list[Diagnostic], warn_spellings: bool) -> str:
    """The one name of a category or tag from the names its articles give it (in
    source order), all of which give the same address. Names that are the same name
    (paths.name_key: case, spaces, hyphens, Unicode normalisation) are merged under
    the most common spelling, with a warning when `warn_spellings`; different names
    at one address ('Rh+' and 'Rh-' at tags/rh/) are an error naming both."""
    by_key: dict[str, dict[str, list[Article]]] = {}
    for name, article in uses:
        spelling = unicodedata.normalize("NFC", name)
        by_key.setdefault(paths.name_key(name), {}).setdefault(spelling, []).append(article)
    counts = {k: sum(len(a) for a in spellings.values()) for k, spellings in by_key.items()}
    main_key = max(by_key, key=lambda k: counts[k])  # the first of the most used, as max keeps it
    spellings = by_key[main_key]
    name = max(spellings, key=lambda s: len(spellings[s]))
    first = spellings[name][0]
    for other_key, others in by_key.items():
        if other_key == main_key:
            continue
        other_name, articles = next(iter(others.items()))
        where = field_at(articles[0], key)
        at = field_at(first, key)
        more = counts[other_key] - 1
        diags.append(error(
            articles[0].source, where.line, where.col,
            f"{kind} '{other_name}' and {kind} '{name}' ({first.source}:{at.line}) are different names "
            f"that would share one address, {address}, rename one of them"
            + (f" (this one is also used in {more} more article{'s' * (more != 1)})" if more else ""),
        ))
    if warn_spellings:
        for spelling, articles in spellings.items():
            if spelling == name:
                continue
            where = field_at(articles[0], key)
            more = len(articles) - 1
            diags.append(warning(
                articles[0].source, where.line, where.col,
                f"{kind} '{spelling}' is written '{name}' in {len(spellings[name])} other "
                f"article{'s' * (len(spellings[name]) != 1)} ({first.source}), both are one {kind} shown as "
                f"'{name}', use one spelling"
                + (f" (also in {more} more article{'s' * (more != 1)})" if more else ""),
            ))
    return name


def lookalike_forms(name: str, script_of: dict[str, str] | None = None) -> list[str]:
    """The name with the letters of one script that look like letters of another
    ('Н' Cyrillic for 'H' Latin) replaced by those, for each script the name mixes.
    `script_of` remembers each letter's script across calls (a site uses few letters)."""
    if name.isascii():
        return []
    from confusable_homoglyphs import categories, confusables

    script_of = {} if script_of is None else script_of
    scripts = set()
    for char in name:
        if char.isalpha():
            script = script_of.get(char)
            if script is None:
                script = script_of[char] = categories.alias(char)
            scripts.add(script)
    if len(scripts) < 2:
        return []
    forms = []
    for script in sorted(scripts):
        found = confusables.is_confusable(name, greedy=True, preferred_aliases=[script.lower()]) or []
        swap = {}
        for item in found:
            glyph = next((h["c"] for h in item["homoglyphs"] if len(h["c"]) == 1
                          and categories.alias(h["c"]) == script), None)
            if glyph is not None:
                swap[item["character"]] = glyph
        if swap:
            forms.append("".join(swap.get(c, c) for c in name))
    return forms


def warn_lookalikes(names, uses: dict[str, dict[str, list[Article]]], kind: str, key: str,
                    diags: list[Diagnostic]) -> None:
    """A name mixing scripts that looks like another name ('Неalth' with a Cyrillic
    'Не' beside 'Health') is almost always a mistake no reader could see. `uses`: per
    address, the names given to it with their articles (in source order)."""
    names = list(names)
    known = {paths.name_key(name): name for name in names}
    first_use: dict[str, Article] = {}
    for group in uses.values():
        for name, articles in group.items():
            first_use.setdefault(paths.name_key(name), articles[0])
    script_of: dict[str, str] = {}
    for name in names:
        for form in lookalike_forms(name, script_of):
            other = known.get(paths.name_key(form))
            if other is None or other == name:
                continue
            mine, theirs = first_use[paths.name_key(name)], first_use[paths.name_key(other)]
            where, at = field_at(mine, key), field_at(theirs, key)
            diags.append(warning(
                mine.source, where.line, where.col,
                f"{kind} '{name}' mixes letters of different scripts and looks like {kind} '{other}' "
                f"({theirs.source}:{at.line}), but they are two {'categories' if kind == 'category' else 'tags'}, retype '{name}' in one script",
            ))
            break
