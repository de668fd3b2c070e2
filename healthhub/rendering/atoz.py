"""The A to Z: every article under the first letter of its title (and of each
of its other names, `also_known_as`), in the page language's alphabet.

Which letters an alphabet has and how names sort are the language's
collation rules, so both come from ICU's AlphabeticIndex (PyICU): Spanish
has its own Ñ, Swedish puts Å, Ä and Ö after Z, an Arabic A to Z uses the
Arabic letters, and accented names sort with their base letter ("Ébola"
under E). Python's own sorting (by code point) gets none of this right.

Arabic names are filed without their definite article: "الربو" (asthma) under
ر, not under ا, as Arabic dictionaries and indexes do (al- is ignored in sorting);
a few words whose ال belongs to the word itself ("التهاب", inflammation, and the
other verbal nouns of that form) keep it (ARABIC_KEPT_AL).

What is listed: every article (`atoz: articles`, the default), an easy-read
version only when it has no standard version; or one entry per condition
(`atoz: conditions`): the articles that say `condition: <name>`, under that name.

Pure functions of (articles, language): a site with several languages calls
`atoz_index` once per language with that language's articles.
"""

from __future__ import annotations

import hashlib
import marshal
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ..errors import Diagnostic, error
from ..paths import name_key

if TYPE_CHECKING:
    from ..loading.model import Article

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


ARABIC_ARTICLE = "ال"
# Words that start with ال which is not the article: verbal nouns of form VIII of roots
# beginning with ل (iltihāb, inflammation: "التهاب الكبد", hepatitis, is filed under ا).
ARABIC_KEPT_AL = frozenset({"التهاب", "التهابات", "التواء", "التصاق", "التصاقات", "التئام", "التفاف", "التقاط"})
_ARABIC_MARKS = dict.fromkeys(range(0x064B, 0x0653))  # harakat: "الْتِهاب" is still التهاب


def filing_name(name: str, language: str) -> str:
    """The name as the A to Z files and sorts it: in Arabic without the definite article
    ("الربو" -> "ربو"); otherwise the name itself."""
    if language.replace("_", "-").split("-")[0].lower() != "ar":
        return name
    text = name.strip()
    first = text.split(maxsplit=1)[0] if text else ""
    if (first.startswith(ARABIC_ARTICLE) and len(first) > len(ARABIC_ARTICLE) + 1
            and first.translate(_ARABIC_MARKS) not in ARABIC_KEPT_AL):
        return text[len(ARABIC_ARTICLE):]
    return text


def atoz_names(articles: Iterable[Article], entries: str = "articles") -> list[AtoZEntry]:
    """The A to Z's lines, in path order: every article and its other names; with
    entries='conditions', each condition's main page under the condition's name. An
    easy-read version is never a line of its own when its standard version is listed."""
    from ..loading.names import translation_key
    articles = sorted(articles, key=lambda a: a.path)
    standard = {(a.language, translation_key(a)) for a in articles if not a.variant}
    found = []
    for article in articles:
        if article.variant and (entries == "conditions" or (article.language, translation_key(article)) in standard):
            continue
        if entries == "conditions":
            if not article.condition:
                continue
            title = article.condition
        else:
            title = article.title
        found.append(AtoZEntry(title, article.path))
        found.extend(AtoZEntry(other, article.path, title) for other in article.also_known_as
                     if name_key(other) != name_key(title))
    return found


def condition_problems(articles: Iterable[Article]) -> list[Diagnostic]:
    """Two articles of one language that both say they are the main page of a condition:
    an error at the second's `condition:` line (which would the A to Z link?)."""
    seen: dict[tuple[str, str], Article] = {}
    problems = []
    for article in sorted(articles, key=lambda a: a.source):
        if not article.condition or article.variant:
            continue
        key = (article.language, name_key(article.condition))
        first = seen.setdefault(key, article)
        if first is not article:
            pos = article.positions.get("condition")
            problems.append(error(article.source, pos.line if pos else 1, pos.col if pos else 1,
                                  f"'{article.condition}' already has its main page, {first.source}; "
                                  "remove condition: from one of them (the A to Z links one page per condition)"))
    return problems


def icu_locale(language: str) -> "icu.Locale":
    """An ICU locale for a BCP 47 tag such as en, en-GB, es or ar."""
    return icu.Locale.forLanguageTag(language or "en")


def atoz_index(articles: Iterable[Article], language: str, entries: str = "articles",
               memo: dict | None = None, keep: dict | None = None) -> tuple[AtoZLetter, ...]:
    """The letters of the language's alphabet in order, each with its entries in
    collation order; names outside the alphabet come last under '#'.

    `memo` (plain data, kept in the build cache) holds earlier answers by a digest
    of the lines, the language and the collation's version; this answer goes into
    `keep` (the next build's memo). Collating 10,000 names took about 0.2 s of
    every build, and an edit rarely changes a title."""
    names = atoz_names(articles, entries)
    if memo is None and keep is None:
        return _index(names, language)
    key = hashlib.blake2b(marshal.dumps(([(e.name, e.path, e.see) for e in names], language, entries,
                                         _collation_version()), 0), digest_size=16).digest()
    found = (memo or {}).get(key)
    if found is not None:
        try:  # each letter's lines as their numbers in `names`
            letters = tuple(AtoZLetter(label, anchor, tuple([names[i] for i in numbers]))
                            for label, anchor, numbers in found)
            if keep is not None:
                keep[key] = found
            return letters
        except (TypeError, ValueError, IndexError):  # not what this code stores: worked out again
            pass
    letters = _index(names, language)
    if keep is not None:
        number = {id(entry): i for i, entry in enumerate(names)}
        keep[key] = tuple((letter.label, letter.anchor, tuple([number[id(e)] for e in letter.entries]))
                          for letter in letters)
    return letters


def _collation_version() -> str:
    return f"icu {icu.ICU_VERSION} {icu.VERSION}" if icu is not None else "plain"


def _index(names: list[AtoZEntry], language: str) -> tuple[AtoZLetter, ...]:
    if icu is None:
        return _plain_index(names, language)
    index = icu.AlphabeticIndex(icu_locale(language))
    collator = icu.Collator.createInstance(icu_locale(language))
    for number, entry in enumerate(names):
        # The record's data is the entry's number: the same name twice (two articles
        # both called "Asthma") stays two lines.
        index.addRecord(filing_name(entry.name, language), str(number))

    def order(entry: AtoZEntry) -> tuple:
        # collation order of the filed name, then the name as written, then the address
        return (collator.getSortKey(filing_name(entry.name, language)), collator.getSortKey(entry.name),
                entry.path, entry.see)

    letters: list[AtoZLetter] = []
    other: list[AtoZEntry] = []
    while index.nextBucket():
        found = []
        while index.nextRecord():
            found.append(names[int(index.recordData)])
        found.sort(key=order)
        if index.bucketLabelType == icu.UAlphabeticIndexLabelType.NORMAL:
            label = index.bucketLabel
            letters.append(AtoZLetter(label, anchor_id(label, len(letters)), tuple(found)))
        else:
            other.extend(found)
    if other:
        other.sort(key=order)
        letters.append(AtoZLetter(OTHER_LABEL, "letter-other", tuple(other)))
    return tuple(letters)


def anchor_id(label: str, position: int) -> str:
    """'A' -> 'letter-a'; a letter of any script keeps its letter ('letter-ب')."""
    text = label.lower()
    return f"letter-{text}" if text.isalnum() else f"letter-{position + 1}"


def collated(items, name, language: str) -> tuple:
    """`items` sorted by `name(item)` in the language's collation order (Arabic names
    without their article, as the A to Z files them)."""
    if icu is None:
        return tuple(sorted(items, key=lambda item: (plain_key(filing_name(name(item), language)), name(item))))
    collator = icu.Collator.createInstance(icu_locale(language))
    return tuple(sorted(items, key=lambda item: (collator.getSortKey(filing_name(name(item), language)),
                                                 collator.getSortKey(name(item)), name(item))))


def plain_key(name: str) -> str:
    """Without ICU: the name with accents folded and case ignored ('Ébola' sorts as 'ebola')."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _plain_index(names: list[AtoZEntry], language: str) -> tuple[AtoZLetter, ...]:
    """The A to Z without ICU: A to Z of the Latin alphabet (accents folded), every other
    first character under '#'."""
    found: dict[str, list[AtoZEntry]] = {}
    for entry in names:
        first = plain_key(filing_name(entry.name, language))[:1].upper()
        found.setdefault(first if "A" <= first <= "Z" else OTHER_LABEL, []).append(entry)
    order = lambda e: (plain_key(filing_name(e.name, language)), e.name, e.path, e.see)  # noqa: E731
    letters = [AtoZLetter(letter, anchor_id(letter, n), tuple(sorted(found.get(letter, ()), key=order)))
               for n, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    if OTHER_LABEL in found:
        letters.append(AtoZLetter(OTHER_LABEL, "letter-other", tuple(sorted(found[OTHER_LABEL], key=order))))
    return tuple(letters)
