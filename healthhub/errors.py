"""Diagnostics: every problem an author can cause is reported as path:line:col."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: str  # "error" or "warning"
    message: str
    # The rule the finding belongs to ('alt-text', 'unknown-field', ...), set where it
    # is made: `check` shows it, totals and groups by it, and `check_disable:` names it;
    # the build groups its warnings by it. '' for findings without a rule of their own.
    code: str = ""

    def format(self) -> str:
        """One line, always: control characters an author's value or file name
        holds are shown escaped (a newline as \\n)."""
        return f"{one_line(self.path)}:{self.line}:{self.col}: {self.severity}: {one_line(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7f, 0xa0)]}
# Lone surrogates (a file name that is not UTF-8, read with surrogateescape) cannot be printed.
_CONTROL.update({code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)})
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
                 0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(text: str) -> str:
    return text.translate(_CONTROL)


def error(path: str, line: int, col: int, message: str, code: str = "") -> Diagnostic:
    return Diagnostic(path, line, col, "error", message, code)


def warning(path: str, line: int, col: int, message: str, code: str = "") -> Diagnostic:
    return Diagnostic(path, line, col, "warning", message, code)


class HasDiagnostics:
    """Mixin for results that carry a `diagnostics` list."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


class ConfigError(Exception):
    """The site configuration or the command line is wrong (exit code 2)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


def did_you_mean(word: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for the closest known word, or ''."""
    import difflib

    close = difflib.get_close_matches(word.lower(), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ProcessingError(Exception):
    """An unexpected failure while one source file or page was being processed.

    It names the file, so the one-line message a user sees says where to look;
    the original exception is its __cause__ (shown with --debug).
    """

    def __init__(self, where: str, exc: BaseException):
        self.where = where
        self.original = exc
        super().__init__(f"{where}: {type(exc).__name__}: {exc}")


FIRST_FEW = 5
_QUOTED = re.compile(r"'[^']*'")
_DID_YOU_MEAN = re.compile(r" \(did you mean '[^']*'\?\)")


def warning_kind(message: str) -> str:
    """What a warning is about, its quoted values left out: 'unknown front-matter field '…''."""
    return _QUOTED.sub("'…'", _DID_YOU_MEAN.sub("", message))


def print_diagnostics(diagnostics, verbose: bool = False, quiet: bool = False, stream=None) -> None:
    """Every error; warnings grouped by kind, each kind counted with its first few
    places (the same message in many files once, with how many more): a site
    brought from elsewhere has thousands, and a rebuild should not reprint them all."""
    stream = stream or sys.stderr
    errors = [d for d in diagnostics if d.is_error]
    warnings = [d for d in diagnostics if not d.is_error]
    if verbose or len(warnings) <= FIRST_FEW * 2:
        shown = [] if quiet else warnings
        for diagnostic in sorted([*errors, *shown]):
            print(diagnostic.format(), file=stream)
        return
    for diagnostic in errors:
        print(diagnostic.format(), file=stream)
    if quiet:
        return
    # A warning with a rule code (Diagnostic.code) is grouped by it; one without, by its
    # message with the quoted values left out.
    kinds: dict[str, dict[str, list]] = {}
    for diagnostic in warnings:
        group = diagnostic.code or warning_kind(diagnostic.message)
        kinds.setdefault(group, {}).setdefault(diagnostic.message, []).append(diagnostic)
    for group, messages in sorted(kinds.items(), key=lambda item: (-sum(map(len, item[1].values())), item[0])):
        total = sum(map(len, messages.values()))
        if total == 1:
            print(next(iter(messages.values()))[0].format(), file=stream)
            continue
        ordered = sorted(messages.values(), key=lambda same: (-len(same), same[0]))
        code = ordered[0][0].code
        kinds_here = sorted({warning_kind(same[0].message) for same in ordered})
        what = kinds_here[0]
        if len(kinds_here) > 1:  # a rule's messages that differ: what they share, up to a clause
            shared = os.path.commonprefix(kinds_here)
            cut = max(shared.rfind(":"), shared.rfind(","))
            what = shared[:cut] if cut >= 15 else ""
        tag = f" [{code}]" if code else ""  # a kind without a rule code is named by its message alone
        print(f"warning: {total} × {what}{tag}" if what else f"warning: {total} ×{tag}", file=stream)
        for same in ordered[:FIRST_FEW]:
            more = f" (and {len(same) - 1} more like it)" if len(same) > 1 else ""
            print(f"  {same[0].format()}{more}", file=stream)
        if len(ordered) > FIRST_FEW:
            rest = sum(map(len, ordered[FIRST_FEW:]))
            print(f"  ... and {rest} more (--verbose lists every warning)", file=stream)
