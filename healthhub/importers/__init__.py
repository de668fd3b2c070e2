"""`healthhub import hugo|jekyll|wordpress SOURCE --into DIR`: bring an existing site.

The pipeline: read the source site into SourcePages (hugo.py, jekyll.py,
wordpress.py), place them (plan.py: category, slug, file, authors), convert
their bodies (body.py and the reader's own syntax), then write the new site and
its report (write.py). The source is only ever read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .model import Report
from .plan import Plan, make_plan
from .write import ImportRefused, write_site


@dataclass
class ImportResult:
    report: Report
    plan: Plan | None = None
    written: list[str] = field(default_factory=list)
    report_path: Path | None = None


def read_source(kind: str, source: Path, report: Report, label: str, uploads: Path | None = None):
    if kind == "hugo":
        from .hugo import HugoSite
        site = HugoSite(source, report, label)
    elif kind == "jekyll":
        from .jekyll import JekyllSite
        site = JekyllSite(source, report, label)
    elif kind == "wordpress":
        from .wordpress import WordPressSite
        site = WordPressSite(source, report, label, uploads)
    else:
        raise ValueError(kind)
    site.read()
    return site


def check_places(kind: str, source: Path, into: Path) -> None:
    """Refuse what could touch the source: an output folder inside it (or the other way round)."""
    if kind == "wordpress":
        if not source.is_file():
            raise ImportRefused(f"{source} is not a file, give the WordPress export (.xml) as SOURCE")
        source_root = source.parent
    else:
        if not source.is_dir():
            raise ImportRefused(f"{source} is not a folder, give the {kind.capitalize()} site's folder as SOURCE")
        source_root = source
    real_source, real_into = source_root.resolve(), into.resolve()
    if kind != "wordpress" and (real_into == real_source or real_source in real_into.parents):
        raise ImportRefused(f"--into {into} is inside the source site, choose a folder outside it "
                            "(the source is never modified)")
    if real_into in real_source.parents or real_into == real_source:
        raise ImportRefused(f"--into {into} holds the source, choose a new, empty folder")


def run_import(kind: str, source: Path, into: Path, replace: bool = False, uploads: Path | None = None,
               label: str | None = None) -> ImportResult:
    """Import a site; raises ImportRefused (nothing written) when it must not run."""
    check_places(kind, source, into)
    report = Report()
    label = label or source.as_posix().rstrip("/")
    site = read_source(kind, source, report, label, uploads)
    plan = make_plan(site, report)
    written, report_path = write_site(plan, into, replace)
    return ImportResult(report, plan, written, report_path)
