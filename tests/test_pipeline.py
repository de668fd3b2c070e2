"""The build's stages as a user sees them (--timings) and a build that switches no
process-wide state (a preview server's threads share the process)."""

from __future__ import annotations

import gc
import re

from conftest import article


def test_timings_print_every_stage_with_its_share_and_work(site_dir):
    for n in range(3):
        site_dir.write(f"articles/health/a{n}.md", article(f"Article {n}", tags="[sleep]"))
    result = site_dir.cli("--timings", "--no-search")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Built 3 articles")
    assert re.fullmatch(r"stage +time +share +work", lines[1])
    stages = [re.match(r"(\S+(?: \S+)*?) +\d+\.\d{3} s +\d+%", line).group(1) for line in lines[2:-1]]
    assert stages == ["check inputs", "load", "prepare", "plan pages", "decide what changed", "render", "write",
                      "save cache"]
    assert "3 articles, 3 parsed" in lines[3]
    assert re.search(r"\d+ pages? fingerprinted, \d+ to render", result.stdout)
    assert re.fullmatch(r"total +\d+\.\d{3} s", lines[-1])

    site_dir.write("articles/health/a1.md", article("Article 1, revised", tags="[sleep]"))
    edited = site_dir.cli("--timings", "--no-search").stdout
    assert "3 articles, 1 parsed" in edited


def test_a_build_leaves_the_garbage_collector_alone(site_dir):
    for n in range(3):
        site_dir.write(f"articles/health/a{n}.md", article(f"Article {n}"))
    seen = []
    from healthhub.build import build

    def progress(phase: str, done: int, total: int) -> None:
        seen.append((phase, gc.isenabled(), gc.get_freeze_count()))

    assert gc.isenabled()
    result = build(site_dir.options(search=False), progress=progress)
    assert result.ok and seen
    assert all(enabled and frozen == 0 for _, enabled, frozen in seen), seen
    assert gc.isenabled() and gc.get_freeze_count() == 0
