"""Diagnostics: every problem an author can cause is reported as path:line:col."""

from __future__ import annotations

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
