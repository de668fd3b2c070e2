"""One schema mechanism for the config, front matter and authors.yaml.

A schema is a dict of field name -> Field: how to read the value (a function
that converts a YAML node or raises fm.FieldError with a message saying what
to write), whether it is required and an example. `read_fields` reads any
YAML mapping with one, `read_records` a list of mappings (an article's
`sources:` and `history:`), each problem at its own path:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import yaml

from . import frontmatter as fm
from ..errors import Diagnostic, did_you_mean, error, warning

# node, key, the field's example -> the value; raises fm.FieldError (with an optional
# `position` attribute when the problem is inside the value).
Reader = Callable[[yaml.Node, str, str], object]
At = Callable[[yaml.Node], fm.Position]  # a node's position in the file


@dataclass(frozen=True)
class Records:
    """A field holding a list of mappings, each read with its own schema."""

    fields: dict[str, "Field"]
    item: str  # how a message names one item: "source", "history entry"
    per: str  # what each '- ' item is: "source", "change"
    needs: str  # the required fields as a message lists them: "date, change and by"
    every: str  # "every source needs"
    example: str
    make: Callable[..., object]  # called with the item's values by name


@dataclass(frozen=True)
class Field:
    read: Reader | None = None
    required: bool = False
    example: str = '"Some text"'
    records: Records | None = None  # instead of `read`: a list of mappings


@dataclass
class Read:
    """What read_fields found: values and positions by field name, diagnostics, and
    whether every known field's value was right."""

    values: dict[str, object] = field(default_factory=dict)
    positions: dict[str, fm.Position] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ok: bool = True


Item = tuple[str, fm.Position, yaml.Node, fm.Position]  # key, its position, value node, its position
Unknown = Callable[[str, fm.Position, yaml.Node], Iterable[Diagnostic]]


def entries_of(entries: Iterable[fm.Entry]) -> list[Item]:
    return [(e.key, e.key_pos, e.node, e.pos) for e in entries]


def pairs_of(node: yaml.MappingNode, at: At) -> list[Item]:
    return [(str(k.value), at(k), v, at(v)) for k, v in node.value]


def read_fields(items: Iterable[Item], schema: dict[str, Field], display: str, at: At,
                unknown: Unknown) -> Read:
    """Read each value with its field's reader; `unknown` says what a key the schema
    does not know gives (a warning, an error). Required fields are the caller's to check:
    each file says it in its own words."""
    found = Read()
    for key, key_pos, node, pos in items:
        spec = schema.get(key)
        if spec is None:
            found.diagnostics.extend(unknown(key, key_pos, node))
            continue
        found.positions[key] = pos
        if spec.records is not None:
            value, positions, problems = read_records(key, node, pos, spec.records, display, at)
            found.values[key] = value
            found.positions.update(positions)
            found.diagnostics.extend(problems)
            continue
        try:
            found.values[key] = spec.read(node, key, spec.example)
        except fm.FieldError as exc:
            line, col = getattr(exc, "position", None) or pos
            if (part := getattr(exc, "node", None)) is not None:  # a part of the value: at its own place
                line, col = pos.line + part.start_mark.line - node.start_mark.line, part.start_mark.column + 1
            found.diagnostics.append(error(display, line, col, str(exc)))
            found.ok = False
    return found


def read_records(key: str, node: yaml.Node, pos: fm.Position, records: Records, display: str,
                 at: At) -> tuple[tuple, dict[str, fm.Position], list[Diagnostic]]:
    """A list of mappings: the items made, the positions of each kept item and its
    fields ('history.0', 'history.0.by', N counting kept items from 0), and every
    mistake at its own line and column."""
    if isinstance(node, yaml.ScalarNode) and node.tag == fm.NULL:
        return (), {}, []
    if not isinstance(node, yaml.SequenceNode):
        return (), {}, [error(display, pos.line, pos.col,
                              f"'{key}' must be a list with one '- ' item per {records.per}, e.g.  {records.example}")]
    names = tuple(records.fields)
    made: list = []
    positions: dict[str, fm.Position] = {}
    diags: list[Diagnostic] = []
    for number, item in enumerate(node.value, start=1):
        item_pos = at(item)
        if not isinstance(item, yaml.MappingNode):
            diags.append(error(display, item_pos.line, item_pos.col,
                               f"{records.item} {number} must have fields {records.needs}, e.g.  {records.example}"))
            continue

        def unknown(field_key: str, key_pos: fm.Position, _node) -> list[Diagnostic]:
            return [warning(display, key_pos.line, key_pos.col,
                            f"unknown field '{field_key}' in {records.item} {number}"
                            f"{did_you_mean(field_key, names)}, known fields are: {', '.join(names)}",
                            "unknown-field")]
        found = read_fields(pairs_of(item, at), records.fields, display, at, unknown)
        diags.extend(found.diagnostics)
        missing = [name for name, spec in records.fields.items() if spec.required and name not in found.values]
        if missing and found.ok:
            diags.append(error(display, item_pos.line, item_pos.col,
                               f"{records.item} {number} has no {' and no '.join(repr(k) for k in missing)}, "
                               f"{records.every} {records.needs}"))
        if not missing and found.ok:
            index = len(made)
            positions[f"{key}.{index}"] = item_pos
            positions.update({f"{key}.{index}.{name}": p for name, p in found.positions.items()})
            made.append(records.make(**found.values))
    return tuple(made), positions, diags


def text(node: yaml.Node, key: str, example: str) -> str:
    return fm.to_text(node, key, example)


def date(node: yaml.Node, key: str, example: str):
    return fm.to_date(node, key)


def boolean(node: yaml.Node, key: str, example: str) -> bool:
    return fm.to_bool(node, key)


class Listed(tuple):
    """A list field's texts and, when it was written as a YAML list, where each item
    is: (lines after the value's first line, column), for a message about one item."""

    places: tuple[tuple[int, int], ...] = ()

    def place(self, index: int, pos: fm.Position) -> tuple[int, int]:
        """Line and column of item `index` of a value at `pos` (the value's own when unknown)."""
        if index < len(self.places):
            return pos.line + self.places[index][0], self.places[index][1]
        return pos.line, pos.col


def text_list(node: yaml.Node, key: str, example: str) -> Listed:
    values = Listed(fm.to_text_list(node, key, example))
    if isinstance(node, yaml.SequenceNode) and len(node.value) == len(values):
        values.places = tuple((item.start_mark.line - node.start_mark.line, item.start_mark.column + 1)
                              for item in node.value)
    return values
