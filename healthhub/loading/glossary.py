"""The glossary: medical words explained in plain language, read from `glossary.yaml`
(next to `authors.yaml`: in the working directory or the articles folder).

    haemorrhoids:
      definition: Swollen blood vessels in and around the back passage (anus).
      forms: [haemorrhoid, piles]     # other forms: plural, singular, other names
    GP:
      definition: A family doctor who looks after general health problems.
      stands_for: general practitioner   # the term is an abbreviation of this

The first use of a term (or one of its forms) in an article links to its entry
on the glossary page (`glossary.html`); an abbreviation is marked up as <abbr>.
Words in headings, links and code are left alone. The marking works on
Python-Markdown's element tree (glossary_marker.GlossaryExtension), never on HTML
text; that is a module of its own so that reading the glossary (every build does,
even one where nothing changed) does not import Python-Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from . import frontmatter as fm
from .. import paths
from ..errors import Diagnostic, did_you_mean, error

DEFAULT_GLOSSARY_FILE = "glossary.yaml"
TERM_FIELDS = ("definition", "forms", "stands_for")


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    forms: tuple[str, ...] = ()
    stands_for: str = ""

    @property
    def anchor(self) -> str:
        return "term-" + paths.slugify(self.term)


def glossary_path(prefix: str = "") -> str:
    return paths.glossary_path(prefix)


def load_glossary(path: Path | None, display: str) -> tuple[tuple[Term, ...], list[Diagnostic]]:
    """The terms in file order; None gives none."""
    if path is None:
        return (), []
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        return (), [error(display, 1, 1, f"cannot read the glossary file ({exc}), save it as UTF-8 text")]
    return parse_glossary(text, display)


def _pos(node) -> fm.Position:
    return fm.Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse_glossary(text: str, display: str) -> tuple[tuple[Term, ...], list[Diagnostic]]:
    try:
        entries = fm.read_mapping(text, first_line=1, example="Tendon: {definition: A cord that joins a muscle to a bone.}")
    except fm.FrontMatterError as exc:
        message = (exc.message.replace("the front matter", "the glossary file").replace("front-matter", "glossary")
                   .replace("front matter", "the glossary file"))
        return (), [error(display, exc.line, exc.col, message, exc.code)]
    terms: list[Term] = []
    diags: list[Diagnostic] = []
    # a word (case folded) -> the term that has it, whether it is that term itself, where
    claimed: dict[str, tuple[str, bool, fm.Position]] = {}

    def claim(word: str, term: str, pos: fm.Position) -> bool:
        key = " ".join(word.casefold().split())
        found = claimed.get(key)
        if found is not None:
            other, itself, where = found
            what = f"the term '{other}'" if itself else f"a form of '{other}'"
            diags.append(error(display, pos.line, pos.col,
                               f"'{word}' is already {what} (line {where.line}), "
                               "give each word to one term only"))
            return False
        claimed[key] = (term, word == term, pos)
        return True

    for entry in entries:
        term = entry.key.strip()
        if not paths.slugify(term):
            diags.append(error(display, entry.key_pos.line, entry.key_pos.col,
                               f"term '{term}' has no letters or digits, write the word itself"))
            continue
        if not isinstance(entry.node, yaml.MappingNode):
            diags.append(error(display, entry.pos.line, entry.pos.col,
                               f"'{term}' must hold fields on indented lines: definition:, and optionally "
                               "forms: and stands_for:"))
            continue
        values: dict[str, object] = {}
        where: dict[str, fm.Position] = {}
        ok = True
        for key_node, value_node in entry.node.value:
            key = str(key_node.value)
            if key not in TERM_FIELDS:
                kp = _pos(key_node)
                diags.append(error(display, kp.line, kp.col,
                                   f"unknown field '{key}' for '{term}'{did_you_mean(key, TERM_FIELDS)}, "
                                   f"known fields are: {', '.join(TERM_FIELDS)}", "unknown-field"))
                ok = False
                continue
            try:
                if key == "forms":
                    values[key] = tuple(fm.to_text_list(value_node, key, "[haemorrhoid, piles]"))
                else:
                    values[key] = fm.to_text(value_node, key)
            except fm.FieldError as exc:
                vp = _pos(value_node)
                diags.append(error(display, vp.line, vp.col, str(exc)))
                ok = False
                continue
            where[key] = _pos(value_node)
        if "definition" not in values:
            if ok:
                diags.append(error(display, entry.key_pos.line, entry.key_pos.col,
                                   f"'{term}' has no 'definition', add a line like  "
                                   "definition: \"A short, plain explanation.\""))
            continue
        if not ok or not claim(term, term, entry.key_pos):
            continue
        forms = []
        for form in values.get("forms", ()):
            if claim(form, term, where["forms"]):
                forms.append(form)
        terms.append(Term(term, str(values["definition"]), tuple(forms), str(values.get("stands_for", ""))))
    anchors: dict[str, str] = {}
    for term in terms:
        other = anchors.setdefault(term.anchor, term.term)
        if other != term.term:
            diags.append(error(display, 1, 1, f"the terms '{other}' and '{term.term}' would have the same address "
                                              f"on the glossary page (#{term.anchor}), merge or rename one"))
    return tuple(terms), diags
