"""Property tests: whatever an article holds, the build reports or builds, never
raises, and never writes outside the output folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import article, without_background_cleanup
from healthhub import paths
from healthhub.loading.article import FIELDS
from healthhub.writing.safety import UnsafeOutputPath, check_output_paths

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

KEYS = st.sampled_from(sorted(FIELDS) + ["extra", "Title", "tags2"])
NASTY = st.sampled_from(["../", "/", "\\", "..", "~", "*a", "&a", "!!python/object:x", "{", "[", "]", ":", "- ",
                         "'", '"', "#", "\t", "\n", "no", "2025-02-30", "1,234", "-5", "<script>", "\x00", "\ufeff",
                         "\u2028", "é", "%2e%2e", "con", ". ", "---"])
VALUES = st.one_of(st.text(max_size=30), st.lists(NASTY, max_size=6).map("".join), st.integers().map(str))


def files_outside(root: Path, out: Path) -> set[str]:
    found = set()
    for current, dirs, files in os.walk(root):
        for name in files:
            path = Path(current) / name
            # the previous site, kept beside the output folder as the next staging folder
            spare = re.fullmatch(r"\.site-spare-[a-z0-9_]{8}", path.relative_to(root).parts[0])
            if out not in path.parents and not spare:
                found.add(path.relative_to(root).as_posix())
    return found


def check_build(site_dir, before: set[str]) -> None:
    result = site_dir.build()  # must not raise
    assert result.ok or result.errors
    for d in result.diagnostics:
        line = d.format()
        assert d.line >= 1 and d.col >= 1 and len(line.splitlines()) == 1, line
    without_background_cleanup(site_dir.root)  # the previous site is removed in the background
    after = {p for p in files_outside(site_dir.root, site_dir.out) if not p.startswith(".healthhub-cache/")}
    assert after - before <= {".site.lock"}, after - before
    if result.ok:
        for rel in site_dir.tree():
            assert paths.is_inside(rel)


@SETTINGS
@given(fields=st.lists(st.tuples(KEYS, VALUES), max_size=8))
def test_random_front_matter_never_raises_or_escapes(site_dir, fields):
    before = files_outside(site_dir.root, site_dir.out)
    lines = ["---", "title: T", "category: Health", "date: 2025-03-30"]
    lines += [f"{key}: {value}" for key, value in fields]
    site_dir.write("articles/health/random.md", "\n".join(lines + ["---", "Body."]))
    check_build(site_dir, before | {"articles/health/random.md"})


@SETTINGS
@given(category=VALUES, slug=VALUES, title=VALUES)
def test_quoted_hostile_values_never_raise_or_escape(site_dir, category, slug, title):
    before = files_outside(site_dir.root, site_dir.out)
    quote = lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    site_dir.write("articles/health/random.md",
                   article(quote(title), category=quote(category), slug=quote(slug)))
    check_build(site_dir, before | {"articles/health/random.md"})


@SETTINGS
@given(data=st.binary(max_size=400), prefix=st.sampled_from([b"", b"---\n", b"---\ntitle: T\n", b"\xef\xbb\xbf---\n"]))
def test_random_bytes_never_raise(site_dir, data, prefix):
    before = files_outside(site_dir.root, site_dir.out)
    site_dir.write("articles/health/random.md", prefix + data)
    check_build(site_dir, before | {"articles/health/random.md"})


@settings(max_examples=300)
@given(category=st.text(), name=st.text())
def test_slugified_output_paths_stay_inside(category, name):
    category_slug, slug = paths.slugify(category), paths.slugify(name)
    if category_slug and slug:
        path = paths.article_path(category_slug, slug)
        assert paths.is_inside(path)
        assert ".." not in path.split("/") and "\\" not in path


@settings(max_examples=300)
@given(parts=st.lists(st.sampled_from(["a", "..", ".", "", "/", "b\\c", "d", "\x00", "~"]), max_size=6))
def test_is_inside_accepts_only_paths_below_the_root(parts):
    rel = "/".join(parts)
    if paths.is_inside(rel):
        root = Path("/site-root")
        resolved = Path(os.path.normpath(root / rel))
        assert root in resolved.parents


@settings(max_examples=300)
@given(names=st.lists(st.lists(st.sampled_from(["a", "..", ".", "", "b.c", "-d", ".e", "\\", "\x00", "\n", "ب"]),
                               min_size=1, max_size=4).map("/".join), min_size=1, max_size=4))
def test_output_paths_are_refused_exactly_when_one_is_outside(names):
    """The writer checks all of a build's output names at once (a fast match for plain
    names): it refuses a list exactly when one of its names is not inside the folder."""
    refused = False
    try:
        check_output_paths(["index.html", *names])
    except UnsafeOutputPath:
        refused = True
    assert refused is not all(paths.is_inside(name) for name in names)
