"""A long build tells the terminal how far it got (build(progress=...))."""

from __future__ import annotations

import os

from conftest import article
from healthhub.build import build


def build_with_progress(site, **overrides):
    reports: list[tuple[str, int, int]] = []
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        result = build(site.options(**overrides), progress=lambda *report: reports.append(report))
    finally:
        os.chdir(cwd)
    return result, reports


def phases(reports):
    seen: dict[str, list[tuple[int, int]]] = {}
    for phase, done, total in reports:
        seen.setdefault(phase, []).append((done, total))
    return seen


def test_build_reports_each_phase_until_done(site_dir):
    for n in range(5):
        site_dir.write(f"articles/note-{n}.md", article(title=f"Note {n}", tags="[sleep]"))
    result, reports = build_with_progress(site_dir, search=False, jobs=1)
    assert result.ok
    seen = phases(reports)
    assert list(seen)[:3] == ["Reading articles", "Rendering pages", "Writing files"]
    assert seen["Reading articles"][-1] == (5, 5)
    assert seen["Rendering pages"][-1] == (result.rendered, result.rendered)
    total_files = len(result.written.files)
    assert seen["Writing files"][-1] == (total_files, total_files)
    for steps in seen.values():
        totals = {total for _, total in steps}
        assert len(totals) == 1, "a phase keeps its total"
        dones = [done for done, _ in steps]
        assert dones == sorted(dones) and len(dones) == len(set(dones))  # no repeats, never backwards
    # Reports come at a modest rate, not once per item.
    assert len(reports) < 30


def test_incremental_build_reports_only_what_it_does(site_dir):
    for n in range(3):
        site_dir.write(f"articles/note-{n}.md", article(title=f"Note {n}"))
    assert build_with_progress(site_dir, search=False)[0].ok
    site_dir.write("articles/note-1.md", article(title="Note 1", body="Changed text.\n"))
    result, reports = build_with_progress(site_dir, search=False)
    assert result.ok and result.parsed == 1
    seen = phases(reports)
    assert seen["Reading articles"][0] == (2, 3)  # two came from the cache
    assert seen["Reading articles"][-1] == (3, 3)
    assert seen["Rendering pages"][-1] == (result.rendered, result.rendered)

