"""What each page read while it was rendered, so an unchanged page is not rendered again.

Templates reach the site model through Jinja's attribute lookup. A
TrackingEnvironment records every lookup on a model object (Article,
Category, Tag, Site, Pager: the "entities", each named by a stable key such
as `a:health/knee-pain.html`) together with a fingerprint of the value it got.
A nested entity is fingerprinted by its key only; what the template then reads
from it is recorded as its own lookup. So a page's dependencies are exactly the
pieces of data it looked at, and nothing is hand-listed: a new Article field
is tracked the moment a template uses it.

Where a template hands an entity to Python code that could read it directly
(a filter, a test, a global function, printing it), the page depends on the
whole entity and everything reachable from it ("deep"), i.e. more is rebuilt,
never less. Method calls on entities (`site.category_of(article)`) are recorded
with their arguments and re-run to check them.

On the next build a page is clean when its template set, its values and every
recorded lookup give the same fingerprints; an entity whose deep version is
unchanged needs no lookups re-run at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import marshal
import os
from typing import Callable

import jinja2
from markupsafe import Markup

from .cache import digest

# Builtin filters and tests that only pass entities along or reach their
# attributes through the environment (so those reads are tracked anyway).
PASS_THROUGH = frozenset({
    "length", "count", "first", "last", "reverse", "list", "batch", "slice", "map", "select", "reject",
    "selectattr", "rejectattr", "sort", "groupby", "sum", "min", "max", "unique", "default", "d", "safe",
    "defined", "undefined", "none", "sameas", "iterable", "sequence", "mapping", "callable", "boolean",
    "string", "number", "integer", "float", "true", "false", "in", "range", "dict", "namespace", "cycler",
    "joiner", "lipsum",
    # HealthHub's own helpers that take strings and dates only
    "url", "asset", "format_date", "shorten", "tag_path",
})
_SCALARS = (str, int, float, bool, type(None), dt.date, dt.datetime)
_LEAVES = frozenset(_SCALARS) | {Markup, bytes}


class Unstable:
    """A value that cannot be fingerprinted reliably: it never compares equal."""


class Fingerprints:
    """Keys, fingerprints and deep versions of the values of one build."""

    def __init__(self, kinds: dict[type, Callable[[object], str]], known_versions: dict[int, bytes] | None = None):
        self.kinds = kinds
        self._keys: dict[int, str] = {}
        self._versions: dict[int, bytes] = dict(known_versions or {})
        self._alive: list[object] = []  # keep objects whose id() we remember alive
        self.memo: dict[tuple, bytes] = {}  # dependency -> fingerprint, within this build
        self.canonical: dict[tuple, tuple] = {}

    def key(self, obj) -> str:
        found = self._keys.get(id(obj))
        if found is None:
            found = self._keys[id(obj)] = self.kinds[type(obj)](obj)
            self._alive.append(obj)
        return found

    def of(self, value) -> bytes:
        return digest(self.encode(value, deep=False).encode("utf-8", "surrogatepass"))

    def version(self, obj) -> bytes:
        """Digest of the entity and everything reachable from it."""
        found = self._versions.get(id(obj))
        if found is None:
            fields = dataclasses.fields(obj) if dataclasses.is_dataclass(obj) else ()
            text = type(obj).__name__ + "(" + ",".join(
                self.encode(getattr(obj, f.name), deep=True) for f in fields) + ")"
            found = self._versions[id(obj)] = digest(text.encode("utf-8", "surrogatepass"))
            self._alive.append(obj)
        return found

    def encode(self, value, deep: bool) -> str:
        kind = type(value)
        if kind is str:
            return "str" + repr(value)
        if kind in self.kinds:
            return "K" + self.key(value) + (":" + self.version(value).hex() if deep else "")
        if kind in _SCALARS or isinstance(value, _SCALARS):
            return kind.__name__ + repr(value)
        if kind is Markup:
            return "M" + repr(str(value))
        if kind is bytes:
            return "B" + digest(value).hex()
        if (kind is tuple or kind is list) and value and all(type(item) in self.kinds for item in value):
            # a list of entities (related articles, a pager's items): the same text as below, without
            # first trying (and failing) to marshal it
            key = self.key
            if deep:
                return kind.__name__ + "(" + ",".join(
                    "K" + key(item) + ":" + self.version(item).hex() for item in value) + ")"
            return kind.__name__ + "(" + ",".join(["K" + key(item) for item in value]) + ")"
        if kind in (tuple, list, dict):
            try:  # plain data (e.g. JSON-LD values) in one step; anything else raises at once
                return "m" + digest(marshal.dumps(value, 0)).hex()  # version 0: by value, no refs or interning
            except ValueError:
                pass
        if isinstance(value, (tuple, list, frozenset, set)):
            items = [self.encode(item, deep) for item in value]
            if isinstance(value, (set, frozenset)):
                items.sort()
            return kind.__name__ + "(" + ",".join(items) + ")"
        if isinstance(value, dict):
            items = sorted(self.encode(k, deep) + ":" + self.encode(v, deep) for k, v in value.items())
            return "dict{" + ",".join(items) + "}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return kind.__qualname__ + "(" + ",".join(
                self.encode(getattr(value, f.name), deep) for f in dataclasses.fields(value)) + ")"
        if callable(value) and deep:
            return "F" + getattr(value, "__qualname__", kind.__name__)  # calls on it are tracked
        return "U" + os.urandom(8).hex()  # unknown: never equal, so always rebuilt


class Reads:
    """The dependencies of one page while it renders."""

    def __init__(self, prints: Fingerprints):
        self.prints = prints
        self.deps: dict[tuple, object] = {}  # dependency -> the object(s) it needs, for fingerprinting

    def attribute(self, obj, name: str, value):
        if callable(value) and type(value) not in self.prints.kinds:
            return self._method(obj, name, value)
        self.deps.setdefault(("r", self.prints.key(obj), name), value)
        return value

    def _method(self, obj, name: str, method):
        @functools.wraps(method)
        def call(*args, **kwargs):
            result = method(*args, **kwargs)
            encoded = _call_arguments(self.prints, args, kwargs)
            if encoded is None:
                self.deps[("u", os.urandom(8).hex())] = Unstable()
            else:
                self.deps.setdefault(("c", self.prints.key(obj), name, encoded), result)
            return result
        return call

    def deep(self, value) -> None:
        kind = type(value)
        if kind in _LEAVES:
            return
        kinds = self.prints.kinds
        if kind in kinds:
            self.deps.setdefault(("d", self.prints.key(value)), value)
        elif isinstance(value, (tuple, list, set, frozenset)):
            for item in value:
                self.deep(item)
        elif isinstance(value, dict):
            for item in value.values():
                self.deep(item)
        elif hasattr(kind, "__dataclass_fields__") and not isinstance(value, type):
            for name in kind.__dataclass_fields__:
                self.deep(getattr(value, name))


def _call_arguments(prints: Fingerprints, args, kwargs) -> tuple | None:
    """Arguments as ('k', key) or ('v', scalar), so the call can be repeated; None if impossible."""
    encoded = []
    for value in list(args) + [kwargs[name] for name in sorted(kwargs)]:
        if type(value) in prints.kinds:
            encoded.append(("k", prints.key(value)))
        elif isinstance(value, (str, int, float, bool, type(None))):
            encoded.append(("v", value))
        else:
            return None
    return tuple(encoded) + (tuple(sorted(kwargs)),)


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that can record what a template reads from the site model."""

    reads: Reads | None = None
    _wrapped = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("finalize", _finalize)
        super().__init__(*args, **kwargs)

    def getattr(self, obj, attribute):
        value = super().getattr(obj, attribute)
        reads = self.reads
        if reads is not None and type(obj) in reads.prints.kinds:
            return reads.attribute(obj, attribute, value)
        return value

    def getitem(self, obj, argument):
        value = super().getitem(obj, argument)
        reads = self.reads
        if reads is not None and isinstance(argument, str) and type(obj) in reads.prints.kinds:
            return reads.attribute(obj, argument, value)
        return value

    def wrap_callables(self) -> None:
        """Make filters, tests and globals that receive an entity depend on all of it."""
        if self._wrapped:
            return
        for table in (self.filters, self.tests, self.globals):
            for name, function in list(table.items()):
                if name in PASS_THROUGH or not callable(function) or isinstance(function, type):
                    continue
                table[name] = _deep_on_arguments(self, function)
        self.cache = {} if self.cache is not None else None  # compiled templates bound the old callables
        self._wrapped = True


def _deep_on_arguments(env: TrackingEnvironment, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        reads = env.reads
        if reads is not None:
            for value in list(args) + list(kwargs.values()):
                reads.deep(value)
        return function(*args, **kwargs)
    return wrapper


@jinja2.pass_environment
def _finalize(env, value):
    reads = getattr(env, "reads", None)
    if reads is not None:
        reads.deep(value)
    return value


# --- checking a page recorded in an earlier build -----------------------------

class Checker:
    """Answers 'does this dependency still have the fingerprint it had?' for a new build."""

    def __init__(self, env: jinja2.Environment, prints: Fingerprints, entities: dict[str, object],
                 unchanged: set[str], old_prints: dict[tuple, bytes]):
        self.env = env
        self.prints = prints
        self.entities = entities
        self.unchanged = unchanged  # keys of entities whose deep version is the same as last time
        self.old_prints = old_prints
        self._same: dict[tuple, bool] = {}
        self.new_prints: dict[tuple, bytes] = {}

    def all_same(self, groups: dict[str, tuple]) -> bool:
        """True when every dependency (grouped by the entities they involve) is unchanged."""
        for key in groups.keys() - self.unchanged:
            for dep in groups[key]:
                if not self.still_same(dep):
                    return False
        return True

    def still_same(self, dep: tuple) -> bool:
        found = self._same.get(dep)
        if found is not None:
            return found
        old = self.old_prints.get(dep)
        if old is None:
            found = False
        elif all(key in self.unchanged for key in entities_of(dep)):
            found = True
        else:
            new = self._evaluate(dep)
            found = new == old
        self._same[dep] = found
        return found

    def _evaluate(self, dep: tuple) -> bytes | None:
        kind = dep[0]
        try:
            if kind == "r":
                obj = self.entities[dep[1]]
                return self.prints.of(jinja2.Environment.getattr(self.env, obj, dep[2]))
            if kind == "c":
                obj = self.entities[dep[1]]
                *encoded, names = dep[3]
                values = [self.entities[v] if tag == "k" else v for tag, v in encoded]
                positional = values[: len(values) - len(names)]
                keywords = dict(zip(names, values[len(values) - len(names):]))
                return self.prints.of(getattr(obj, dep[2])(*positional, **keywords))
            if kind == "d":
                return self.prints.version(self.entities[dep[1]])
        except Exception:
            return None
        return None


def entities_of(dep: tuple) -> list[str]:
    if dep[0] in ("r", "d"):
        return [dep[1]]
    if dep[0] == "c":
        return [dep[1]] + [value for tag, value in dep[3][:-1] if tag == "k"]
    return ["\x00never"]


def fingerprint_reads(reads: Reads) -> dict[tuple, bytes]:
    """The recorded dependencies with the fingerprints of what was read."""
    prints = reads.prints
    memo = prints.memo
    result: dict[tuple, bytes] = {}
    for dep, value in reads.deps.items():
        found = memo.get(dep)
        if found is None:
            found = memo[dep] = prints.version(value) if dep[0] == "d" else prints.of(value)
            prints.canonical[dep] = dep
        result[prints.canonical[dep]] = found  # one tuple per dependency, shared by all pages
    return result
