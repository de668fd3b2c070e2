"""Articles as records with named fields, as the cache keeps them, and the digest
that says a page showing an article is the same while it is."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import marshal
from typing import Callable

from . import frontmatter as fm
from .markup import Headings
from .model import Article, HistoryEntry, Source


_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))
_ARTICLE_FIELD_SET = frozenset(_ARTICLE_FIELDS)


def _date_codec(optional: bool) -> tuple[Callable, Callable]:
    if optional:
        return (lambda d: d.toordinal() if d is not None else None,
                lambda n: dt.date.fromordinal(n) if n is not None else None)
    return dt.date.toordinal, dt.date.fromordinal


# The fields that are not plain data already: how each is written into a record and read back.
_FIELD_CODECS: dict[str, tuple[Callable, Callable]] = {
    "date": _date_codec(False),
    "updated": _date_codec(True),
    "reviewed": _date_codec(True),
    "next_review": _date_codec(True),
    "expires": _date_codec(True),
    "headings": (lambda hs: tuple([tuple(h) for h in hs]), Headings),
    "sources": (lambda xs: tuple([dataclasses.asdict(x) for x in xs]), lambda xs: tuple([Source(**x) for x in xs])),
    "history": (lambda hs: tuple([{**h.__dict__, "date": h.date.toordinal()} for h in hs]),
                lambda hs: tuple([HistoryEntry(**{**h, "date": dt.date.fromordinal(h["date"])}) for h in hs])),
    "positions": (lambda ps: {k: tuple(p) for k, p in ps.items()}, fm.Positions),
}
_CODED = tuple(_FIELD_CODECS.items())
_OPTIONAL_DATES = ("updated", "reviewed", "next_review", "expires")
_DATE_FIELDS = ("date",) + _OPTIONAL_DATES


def article_record(article: Article) -> dict:
    """The article as plain data (marshal-able) with its field names, read back by article_from_record."""
    record = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    for name, (write, _) in _CODED:
        record[name] = write(record[name])
    return record


def article_from_record(record: dict, shared: dict | None = None) -> Article:
    """The article a record holds; the record becomes its fields (it is not copied:
    10,000 of them are read on every build). Raises ValueError for a record of
    another shape (an Article with other fields). `shared`, when given, is shared by
    the records read in one go (see _article_of)."""
    if record.keys() != _ARTICLE_FIELD_SET:
        raise ValueError("an article record of another shape")
    return _article_of(record, {} if shared is None else shared)


def _article_of(record: dict, shared: dict) -> Article:
    # The reverse of _FIELD_CODECS written out: this runs for every article on every build.
    # `shared` holds one of each value many articles hold the same of (immutable): dates
    # by ordinal, (line, col) pairs and tag lists by themselves. Fewer objects are kept:
    # reading 10,000 articles took 320 young collections instead of 423, 3 full ones
    # instead of 4 (CPython's default thresholds, as a program calling build() may keep).
    for name in _DATE_FIELDS:
        ordinal = record[name]
        if ordinal is not None:
            date = shared.get(ordinal)
            if date is None:
                date = shared[ordinal] = dt.date.fromordinal(ordinal)
            record[name] = date
    record["tags"] = shared.setdefault(record["tags"], record["tags"])
    record["headings"] = Headings(record["headings"])
    if record["sources"]:
        record["sources"] = tuple([Source(**x) for x in record["sources"]])
    if record["history"]:
        record["history"] = _FIELD_CODECS["history"][1](record["history"])
    positions = record["positions"]
    record["positions"] = fm.Positions(zip(positions, map(shared.setdefault, positions.values(), positions.values())))
    article = object.__new__(Article)  # frozen: filled without running __init__ again
    object.__setattr__(article, "__dict__", record)
    return article


# The cache keeps an article record as a row: its values in the order of these
# columns, the Article's field names (a row is read back by name, zipped with
# them). Measured on 1,000 articles: marshal reads rows in 40 ms, the same
# records as dicts (31 keys each) in 68 ms.
ARTICLE_COLUMNS = _ARTICLE_FIELDS


def article_row(article: Article) -> tuple:
    return tuple(article_record(article).values())


def article_from_row(row: tuple, shared: dict | None = None) -> Article:
    """See article_from_record; a row of the right length has exactly the Article's fields."""
    if len(row) != len(ARTICLE_COLUMNS):
        raise ValueError("an article row of another shape")
    return _article_of(dict(zip(ARTICLE_COLUMNS, row)), {} if shared is None else shared)


_NOT_DIGESTED = ("body_first_line", "positions", "digest")  # where things are in the file, and the digest itself


def with_digest(article: Article) -> Article:
    """The article with `digest` set: a digest of everything it holds but its positions."""
    record = article_record(article)
    for name in _NOT_DIGESTED:
        del record[name]
    data = marshal.dumps(record, 0)  # version 0: no references, so the same bytes every run
    return dataclasses.replace(article, digest=hashlib.blake2b(data, digest_size=16).digest())
