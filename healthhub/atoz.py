"""The A to Z: every article under the first letter of its title (and of each
of its other names, `also_known_as`), in the page language's alphabet.

Which letters an alphabet has and how names sort are the language's
collation rules, so both come from ICU's AlphabeticIndex (PyICU): Spanish
has its own Ñ, Swedish puts Å, Ä and Ö after Z, an Arabic A to Z uses the
Arabic letters, and accented names sort with their base letter ("Ébola"
under E). Python's own sorting (by code point) gets none of this right.

Pure functions of (articles, language): a site with several languages calls
`atoz_index` once per language with that language's articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import unicodedata

from .content import Article

try:
    import icu  # PyICU: pip install 'healthhub[collation]' (builds against the system's ICU)
except ImportError:  # without it: base letters of the Latin alphabet, accents folded, code-point order
    icu = None

OTHER_LABEL = "#"  # names that start with a digit, a symbol or another script's letter


@dataclass(frozen=True)
class AtoZEntry:
    """One line of the A to Z: a title, or another name that points at a title."""

    name: str
    path: str  # the article's output path
    see: str = ""  # for another name: the title it leads to ("Piles, see Haemorrhoids")


@dataclass(frozen=True)
class AtoZLetter:
    label: str  # the letter as shown
    anchor: str  # the section's id on the page
    entries: tuple[AtoZEntry, ...]  # empty: shown in the letter bar, not linked


def icu_locale(language: str) -> "icu.Locale":
    """An ICU locale for a BCP 47 tag such as en, en-GB, es or ar."""
    return icu.Locale.forLanguageTag(language or "en")


def atoz_index(articles: Iterable[Article], language: str) -> tuple[AtoZLetter, ...]:
    """The letters of the language's alphabet in order, each with its entries in
    collation order; names outside the alphabet come last under '#'."""
    if icu is None:
        return _plain_index(articles)
    index = icu.AlphabeticIndex(icu_locale(language))
    entries: dict[str, AtoZEntry] = {}
    for article in sorted(articles, key=lambda a: a.path):
        names = [(article.title, "")] + [(other, article.title) for other in article.also_known_as]
        for name, see in names:
            entry = AtoZEntry(name, article.path, see)
            # The record's data is a key into `entries`: the same name twice (two articles
            # both called "Asthma") stays two lines.
            key = f"{len(entries)}"
            entries[key] = entry
            index.addRecord(name, key)
    collator = icu.Collator.createInstance(icu_locale(language))
    letters: list[AtoZLetter] = []
    other: list[AtoZEntry] = []
    while index.nextBucket():
        found = []
        while index.nextRecord():
            found.append(entries[index.recordData])
        # Within a letter: collation order, then the address (the same name twice).
        found.sort(key=lambda e: (collator.getSortKey(e.name), e.path, e.see))
        if index.bucketLabelType == icu.UAlphabeticIndexLabelType.NORMAL:
            label = index.bucketLabel
            letters.append(AtoZLetter(label, anchor_id(label, len(letters)), tuple(found)))
        else:
            other.extend(found)
    if other:
        other.sort(key=lambda e: (collator.getSortKey(e.name), e.path, e.see))
        letters.append(AtoZLetter(OTHER_LABEL, "letter-other", tuple(other)))
    return tuple(letters)


def anchor_id(label: str, position: int) -> str:
    """'A' -> 'letter-a'; a letter of any script keeps its letter ('letter-ب')."""
    text = label.lower()
    return f"letter-{text}" if text.isalnum() else f"letter-{position + 1}"


def collated(items, name, language: str) -> tuple:
    """`items` sorted by `name(item)` in the language's collation order."""
    if icu is None:
        return tuple(sorted(items, key=lambda item: (plain_key(name(item)), name(item))))
    collator = icu.Collator.createInstance(icu_locale(language))
    return tuple(sorted(items, key=lambda item: (collator.getSortKey(name(item)), name(item))))


def plain_key(name: str) -> str:
    """Without ICU: the name with accents folded and case ignored ('Ébola' sorts as 'ebola')."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _plain_index(articles: Iterable[Article]) -> tuple[AtoZLetter, ...]:
    """The A to Z without ICU: A to Z of the Latin alphabet (accents folded), every other
    first character under '#'."""
    found: dict[str, list[AtoZEntry]] = {}
    for article in sorted(articles, key=lambda a: a.path):
        for name, see in [(article.title, "")] + [(other, article.title) for other in article.also_known_as]:
            first = plain_key(name)[:1].upper()
            found.setdefault(first if "A" <= first <= "Z" else OTHER_LABEL, []).append(AtoZEntry(name, article.path, see))
    order = lambda e: (plain_key(e.name), e.name, e.path, e.see)  # noqa: E731
    letters = [AtoZLetter(letter, anchor_id(letter, n), tuple(sorted(found.get(letter, ()), key=order)))
               for n, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    if OTHER_LABEL in found:
        letters.append(AtoZLetter(OTHER_LABEL, "letter-other", tuple(sorted(found[OTHER_LABEL], key=order))))
    return tuple(letters)
