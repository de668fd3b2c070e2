"""People: the authors and medical reviewers named by articles, read from `authors.yaml`.

    amara-okafor:
      name: Dr. Amara Okafor
      credentials: MBBS, MRCGP
      bio: A GP with an interest in heart health.
      url: https://example.org/amara     # optional

Each key is a person id that articles use in `author:` and `reviewed_by:`.
Mistakes are reported as diagnostics at their line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import frontmatter as fm
from .. import paths
from . import schema
from ..errors import Diagnostic, did_you_mean, error, warning

DEFAULT_AUTHORS_FILE = "authors.yaml"
def _url(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if not re.fullmatch(r"https?://\S+", value):
        raise fm.FieldError(f"'url' is '{value}', write a full address such as https://example.org/")
    return value


FIELDS = {"name": schema.Field(schema.text, required=True, example='"Dr. Amara Okafor"'),
          "credentials": schema.Field(schema.text), "bio": schema.Field(schema.text), "url": schema.Field(_url)}
PERSON_FIELDS = tuple(FIELDS)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    credentials: str = ""
    bio: str = ""
    url: str = ""

    @property
    def path(self) -> str:
        return paths.person_path(self.id)


def load_people(path: Path | None, display: str) -> tuple[dict[str, Person], list[Diagnostic]]:
    """People by id; None or a missing default file gives nobody."""
    if path is None:
        return {}, []
    try:
        text = fm.read_data_file(path, "people file")
    except fm.FrontMatterError as exc:
        return {}, [error(display, exc.line, exc.col, exc.message, exc.code)]
    except OSError as exc:
        return {}, [error(display, 1, 1, f"cannot read the people file ({exc.strerror}), check the --authors path")]
    return parse_people(text, display)


def _pos(mark) -> fm.Position:
    return fm.Position(mark.line + 1, mark.column + 1)


def parse_people(text: str, display: str) -> tuple[dict[str, Person], list[Diagnostic]]:
    try:
        entries = fm.read_mapping(text, first_line=1, example="sam-patel: {name: Sam Patel}")
    except fm.FrontMatterError as exc:
        message = exc.message.replace("the front matter", "the people file").replace("front-matter", "people")
        return {}, [error(display, exc.line, exc.col, message, exc.code)]
    people: dict[str, Person] = {}
    diags: list[Diagnostic] = []
    for entry in entries:
        pid = entry.key
        if not paths.is_safe_slug(pid) or pid != pid.lower():
            suggestion = paths.shorten_slug(paths.slugify(pid, limit=None), 80) or "amara-okafor"
            if not paths.fits_file_name(pid):
                problem = (f"person id '{pid[:60]}…' is too long for a file name ({len(pid.encode())} bytes, "
                           f"{paths.MAX_SLUG_BYTES} at most), shorten it")
            else:
                problem = f"person id '{pid}' may only hold lower-case letters, digits and hyphens"
            diags.append(error(display, entry.key_pos.line, entry.key_pos.col, f"{problem}, e.g. {suggestion}"))
            continue
        if not isinstance(entry.node, yaml.MappingNode):
            diags.append(error(display, entry.pos.line, entry.pos.col,
                               f"'{pid}' must hold fields on indented lines: name:, credentials:, bio: and url:"))
            continue
        def unknown(key: str, key_pos: fm.Position, node, pid=pid) -> list[Diagnostic]:
            return [warning(display, key_pos.line, key_pos.col,
                            f"unknown field '{key}' for '{pid}'{did_you_mean(key, PERSON_FIELDS)}, "
                            f"known fields are: {', '.join(PERSON_FIELDS)}", "unknown-field")]
        at = lambda node: _pos(node.start_mark)  # noqa: E731
        found = schema.read_fields(schema.pairs_of(entry.node, at), FIELDS, display, at, unknown)
        values, ok = found.values, found.ok
        diags.extend(found.diagnostics)
        if "name" not in values:
            if ok:
                diags.append(error(display, entry.key_pos.line, entry.key_pos.col,
                                   f"'{pid}' has no 'name', add a line like  name: \"Dr. Amara Okafor\""))
            continue
        if ok:
            people[pid] = Person(pid, values["name"], values.get("credentials", ""),
                                 values.get("bio", ""), values.get("url", ""))
    return people, diags
