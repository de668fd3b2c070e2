"""Writing an imported site: articles, files, authors.yaml, healthhub.yaml and the report.

Only a new or empty folder is written into; a folder an earlier import wrote
(it keeps a manifest, `.healthhub-import.json`) is written again only with
--replace, and then only the files that import wrote are removed first. Nothing
HealthHub did not write is ever deleted or overwritten.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import yaml

from .model import Report

MANIFEST = ".healthhub-import.json"
REPORT_FILE = "import-report.md"


class ImportRefused(Exception):
    """The import must not run (exit 2); nothing was written. `located`: the message
    is a whole diagnostic line (path:line:col: error: ...)."""

    def __init__(self, message: str, located: bool = False):
        super().__init__(message)
        self.located = located


class ImportWriteFailed(Exception):
    """The disk refused a file of the import (exit 1); what was written is listed in
    the folder's manifest, so that importing again with --replace takes it away."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # front matter may not hold aliases
        return True


def yaml_scalar(value, flow: bool = False) -> str:
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=1 << 20, default_flow_style=True)
    text = text.rstrip("\n")
    if text.endswith("\n..."):
        text = text[:-4].rstrip("\n")
    if flow and text and (text[0] not in "'\"") and any(c in text for c in ",[]{}"):
        text = json.dumps(value, ensure_ascii=False)
    return text


def yaml_block(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, width=1 << 20, sort_keys=False,
                     default_flow_style=False)


def write_site(plan, into: Path, replace: bool) -> tuple[list[str], Path]:
    """Write the plan into `into`; returns (files written, the report's path)."""
    files: dict[str, object] = dict(plan.texts)
    files.update(plan.copies)
    if plan.authors:
        files["articles/authors.yaml"] = authors_yaml(plan.authors)
    files["healthhub.yaml"] = (
        "# Written by `healthhub import`; see README, Configuration.\n"
        + yaml_block(plan.config)
    )
    files[REPORT_FILE] = ""  # written last, below
    previous = _previous_import(into, replace)
    for rel in sorted(files):
        target = into / rel
        if (target.exists() or target.is_symlink()) and rel not in previous:
            raise ImportRefused(f"{target} already exists and was not written by an import, "
                                "move it away or import into a new folder")
    for rel in sorted(previous):  # --replace: what the last import wrote goes first
        target = into / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
    _remove_empty_dirs(into, previous)
    written: list[str] = []
    report_path = into / REPORT_FILE
    source: Path | None = None  # the source file being copied
    try:
        for rel, content in sorted(files.items()):
            if rel == REPORT_FILE:
                continue
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                source = content
                shutil.copyfile(content, target)
                source = None
            else:
                target.write_text(str(content), encoding="utf-8")
            written.append(rel)
        report_path.write_text(report_text(plan, into), encoding="utf-8")
        written.append(REPORT_FILE)
        _write_manifest(into, plan.site.kind, written)
    except OSError as exc:
        reading = source is not None and exc.filename == os.fspath(source)
        raise ImportWriteFailed(_write_failure(exc, into, plan.site.kind, written, reading)) from None
    return written, report_path


def _write_manifest(into: Path, kind: str, written: list[str]) -> None:
    (into / MANIFEST).write_text(json.dumps({"kind": kind, "files": sorted(written)}, indent=1) + "\n",
                                 encoding="utf-8")


def _write_failure(exc: OSError, into: Path, kind: str, written: list[str], reading: bool = False) -> str:
    """The one line for a file the import could not write (`reading`: a source file it
    could not read to copy), with the files written before it listed for --replace."""
    what = f"read {exc.filename}" if reading else f"write {exc.filename or into}"
    reason = (exc.strerror or str(exc)).lower()
    fix = {errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space",
           errno.EROFS: "the disk is read-only, import into another folder",
           errno.EACCES: "check its permissions", errno.EPERM: "check its permissions"}.get(exc.errno, "check the disk")
    if not written:
        return f"cannot {what} ({reason}), {fix}; nothing was imported"
    try:
        _write_manifest(into, kind, written)
    except OSError:
        return (f"cannot {what} ({reason}), {fix}; {len(written)} files were written into {into}/ "
                "before it, remove that folder and import again")
    return (f"cannot {what} ({reason}), {fix}; then import again with --replace (it takes away the "
            f"{len(written)} files written before it)")


def _previous_import(into: Path, replace: bool) -> set[str]:
    if not into.exists():
        holder = next((parent for parent in into.parents if parent.exists()), None)
        if holder is not None and not holder.is_dir():
            raise ImportRefused(f"--into {into} cannot be made: {holder} is a file, not a folder; give a new folder")
        return set()
    if not into.is_dir():
        raise ImportRefused(f"--into {into} is a file, give a folder")
    manifest = into / MANIFEST
    if manifest.is_file():
        if not replace:
            raise ImportRefused(f"{into} already holds an import, pass --replace to import again "
                                "(only the files that import wrote are replaced)")
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            listed = {str(p) for p in data.get("files", [])}
        except (OSError, ValueError, AttributeError):
            raise ImportRefused(f"{manifest} cannot be read, so it is unknown which files the last import wrote; "
                                "import into a new folder") from None
        return {p for p in listed if _inside(p)}
    if any(True for _ in into.iterdir()):
        raise ImportRefused(f"{into} is not empty, import into a new or empty folder")
    return set()


def _inside(rel: str) -> bool:
    return not os.path.isabs(rel) and ".." not in Path(rel).parts and "\x00" not in rel


def _remove_empty_dirs(into: Path, removed: set[str]) -> None:
    folders = {parent for rel in removed for parent in Path(rel).parents if str(parent) != "."}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            (into / folder).rmdir()
        except OSError:
            pass  # not empty: it holds something else


def authors_yaml(authors) -> str:
    lines = ["# People imported from the source site. Add credentials and a bio to each:",
             "# they show on the person's profile page (README, Trustworthy health content).", ""]
    for person in sorted(authors.values(), key=lambda a: a.id):
        lines.append(f"{person.id}:")
        lines.append(f"  name: {yaml_scalar(person.name)}")
        if person.url:
            lines.append(f"  url: {yaml_scalar(person.url)}")
    return "\n".join(lines) + "\n"


def report_text(plan, into: Path) -> str:
    report: Report = plan.report
    site = plan.site
    by_kind: dict[str, int] = {}
    by_language: dict[str, int] = {}
    for page in plan.pages:
        by_kind[page.kind] = by_kind.get(page.kind, 0) + 1
        by_language[page.language] = by_language.get(page.language, 0) + 1
    out = [f"# Import report: {site.kind} site {site.label}", ""]
    out += ["| what | count |", "|---|---:|", f"| articles written | {len(plan.pages)} |"]
    out += [f"| … {kind} | {count} |" for kind, count in sorted(by_kind.items())]
    if len(by_language) > 1:
        out += [f"| … in language {lang} | {count} |" for lang, count in sorted(by_language.items())]
    out += [f"| drafts | {sum(p.draft for p in plan.pages)} |",
            f"| categories | {len({p.category for p in plan.pages})} |",
            f"| authors (authors.yaml) | {len(plan.authors)} |",
            f"| files copied | {len(plan.copies)} |",
            f"| warnings | {len(report.warnings)} |", ""]
    if report.converted:
        out += ["## Converted", "", "| construct | count |", "|---|---:|"]
        out += [f"| {what} | {count} |" for what, count in sorted(report.converted.items())] + [""]
    if report.skipped:
        out += ["## Not imported", "", "| what | count |", "|---|---:|"]
        out += [f"| {what} | {count} |" for what, count in sorted(report.skipped.items())] + [""]
    counts = report.warning_counts()
    if counts:
        out += ["## Warnings by kind", "", "| kind | count |", "|---|---:|"]
        out += [f"| {kind} | {count} |" for kind, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))] + [""]
    out += ["## Articles", "", "| source | written | kind | title |", "|---|---|---|---|"]
    out += [f"| {_cell(s)} | {_cell(w)} | {k} | {_cell(t)} |" for s, w, k, t in report.rows] + [""]
    if report.files:
        out += ["## Files copied", "", "| source | written |", "|---|---|"]
        out += [f"| {_cell(s)} | {_cell(w)} |" for s, w in report.files] + [""]
    if report.warnings:
        out += ["## Not converted (edit these by hand)", "", "```"]
        out += [d.format() for _, d in sorted(report.warnings, key=lambda item: item[1])] + ["```", ""]
    return "\n".join(out)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
