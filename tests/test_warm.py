"""The live preview's warm rebuilds (one WarmState passed to every build()) give exactly
what a clean build gives, whatever happens to the sources and the cache between them."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SiteDir, article
from healthhub.build import build
from healthhub.caching.warm import WarmState
from test_incremental import SNIPPETS, age, apply, clean_build, steps_st, tree, write

BAD_DATE = article("Broken", date="2024-02-30", body="Text.\n")


def warm_build(site: SiteDir, warm: WarmState | None, **overrides):
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        return build(site.options(**{"search": False, "drafts": True, **overrides}), warm=warm)
    finally:
        os.chdir(cwd)


def assert_same_as_clean(site: SiteDir, result, tmp: Path, name: str) -> dict | None:
    """The output tree of a clean build of the same sources (None when it fails), which
    `result`'s output folder equals."""
    fresh_out = tmp / f"fresh-{name}"
    fresh = clean_build_drafts(site, fresh_out)
    assert result.ok == fresh.ok, (name, result.diagnostics, fresh.diagnostics)
    assert result.diagnostics == fresh.diagnostics, name
    if not fresh.ok:
        return None
    expected = tree(fresh_out)
    assert tree(site.out) == expected, name
    return expected


def clean_build_drafts(site: SiteDir, out: Path):
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        return build(site.options(out_dir=out, use_cache=False, search=False, drafts=True))
    finally:
        os.chdir(cwd)


# Besides test_incremental's changes: an article with an error (fixed by a later write),
# the cache folder deleted, and a build without the warm state (the command line run on
# the preview's folders) writing the same cache in between.
warm_steps_st = st.lists(st.one_of(
    steps_st.map(lambda steps: steps[0]),
    st.tuples(st.just("error"), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("drop-cache")),
    st.tuples(st.just("cold-build")),
), min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=warm_steps_st)
def test_warm_rebuilds_equal_a_clean_build_after_every_change(steps):
    with tempfile.TemporaryDirectory() as tmp:
        site = SiteDir(Path(tmp) / "project")
        (site.articles / "sub").mkdir()
        (site.articles / "es").mkdir()
        write(site, "articles/_snippets/note.md", SNIPPETS[0])
        write(site, "articles/_snippets/inner.md", SNIPPETS[2])
        write(site, "articles/a.md", article("First", body="Hello.\n", tags="[sleep]"))
        write(site, "articles/sub/b.md", article("Second", "Sleep", "2024-02-02", views=3))
        warm = WarmState()
        assert warm_build(site, warm).ok
        for number, step in enumerate(steps):
            if step[0] == "error":
                write(site, f"articles/{step[1]}.md", BAD_DATE)
            elif step[0] == "drop-cache":
                shutil.rmtree(site.root / ".healthhub-cache", ignore_errors=True)
            elif step[0] == "cold-build":
                write(site, "articles/d.md", article("Fourth", "Fitness", "2024-03-03", body="Cold.\n"))
                warm_build(site, None)
            else:
                apply(site, step)
            result = warm_build(site, warm)
            expected = assert_same_as_clean(site, result, Path(tmp), str(number))
            again = warm_build(site, warm)  # a rebuild with no change gives the same again
            assert again.ok == result.ok and again.diagnostics == result.diagnostics
            if result.ok:
                assert again.rendered == 0 and tree(site.out) == expected


def test_each_kind_of_save_gives_a_clean_builds_output_and_parses_only_what_changed(site_dir, tmp_path):
    for name in "abcdef":
        write(site_dir, f"articles/{name}.md", article(f"Title {name}", tags="[sleep, salt]", body=f"Body {name}.\n"))
    warm = WarmState()
    first = warm_build(site_dir, warm)
    assert first.ok and first.parsed == 6 and warm.token and len(warm.decoded) == 6

    steps = [
        ("body", lambda: write(site_dir, "articles/a.md", article("Title a", tags="[sleep, salt]", body="New.\n")), 1),
        ("title", lambda: write(site_dir, "articles/b.md", article("Renamed b", tags="[sleep, salt]")), 1),
        ("category", lambda: write(site_dir, "articles/c.md", article("Title c", "Sleep", tags="[salt]")), 1),
        ("added", lambda: write(site_dir, "articles/g.md", article("Title g", "Fitness", tags="[walk]")), 1),
        ("deleted", lambda: (site_dir.articles / "d.md").unlink(), 0),
        ("error", lambda: write(site_dir, "articles/e.md", BAD_DATE), 1),
        ("fixed", lambda: write(site_dir, "articles/e.md", article("Title e again")), 1),
        ("template", lambda: write(site_dir, "templates/article.html",
                                   (site_dir.templates / "article.html").read_text(encoding="utf-8")
                                   .replace("{% block main %}", "{% block main %}<p>edited</p>", 1)), 0),
    ]
    for name, change, parsed in steps:
        change()
        result = warm_build(site_dir, warm)
        assert result.parsed == parsed, name  # the others came from the warm state, not parsed again
        assert_same_as_clean(site_dir, result, tmp_path, name)
        if name == "error":
            assert not result.ok and "2024-02-30" in result.diagnostics[0].format()
        else:
            assert result.ok, (name, result.diagnostics)
    assert "<p>edited</p>" in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")


def test_what_the_warm_state_holds_is_what_the_build_uses(site_dir, tmp_path):
    """An article decoded in the warm state is used as it is (no cache read); once the cache
    is not the one the state was filled from, the state is dropped, never used."""
    write(site_dir, "articles/a.md", article("Alpha", body="Alpha text.\n"))
    write(site_dir, "articles/b.md", article("Beta", body="Beta text.\n"))
    warm = WarmState()
    assert warm_build(site_dir, warm).ok
    # Stand in another title for Alpha in memory only: the next warm build shows it.
    key = next(k for k, (a, _, _) in warm.decoded.items() if a.title == "Alpha")
    a, diags, body = warm.decoded[key]
    warm.decoded[key] = (dataclasses.replace(a, title="Held in memory"), diags, body)
    write(site_dir, "articles/b.md", article("Beta", body="Beta changed.\n"))
    assert warm_build(site_dir, warm).ok
    assert "Held in memory" in (site_dir.out / "index.html").read_text(encoding="utf-8")

    # A build without the warm state (the command line) writes the cache: the state is not used.
    write(site_dir, "articles/b.md", article("Beta", body="Beta again.\n"))
    assert warm_build(site_dir, None).ok
    warm.decoded[key] = (dataclasses.replace(a, title="Held in memory"), diags, body)
    write(site_dir, "articles/b.md", article("Beta", body="Beta once more.\n"))
    result = warm_build(site_dir, warm)
    assert result.ok and "Held in memory" not in (site_dir.out / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(site_dir, result, tmp_path, "after-cli")

    # The cache folder deleted while the server runs: everything is parsed again.
    shutil.rmtree(site_dir.root / ".healthhub-cache")
    write(site_dir, "articles/a.md", article("Alpha", body="Alpha changed.\n"))
    result = warm_build(site_dir, warm)
    assert result.ok and result.parsed == 2
    assert_same_as_clean(site_dir, result, tmp_path, "dropped")
    write(site_dir, "articles/b.md", article("Beta", body="Beta last.\n"))
    result = warm_build(site_dir, warm)
    assert result.ok and result.parsed == 1
    assert_same_as_clean(site_dir, result, tmp_path, "after-drop")


def test_a_build_that_raises_drops_the_warm_state(site_dir, tmp_path, monkeypatch):
    import healthhub.rendering.render

    write(site_dir, "articles/a.md", article("Alpha"))
    write(site_dir, "articles/b.md", article("Beta"))
    warm = WarmState()
    assert warm_build(site_dir, warm).ok and warm.decoded

    def broken(*args, **kwargs):
        raise RuntimeError("a bug while rendering")
    monkeypatch.setattr(healthhub.rendering.render, "render_site", broken)  # the build imports it when it renders
    write(site_dir, "articles/a.md", article("Alpha", body="Changed.\n"))
    try:
        warm_build(site_dir, warm)
    except RuntimeError:
        pass
    assert not warm.token and not warm.decoded and warm.pages is None
    monkeypatch.undo()
    write(site_dir, "articles/b.md", article("Beta", body="Changed too.\n"))
    result = warm_build(site_dir, warm)
    assert result.ok and warm.token and len(warm.decoded) == 2
    assert_same_as_clean(site_dir, result, tmp_path, "after-bug")


def test_a_save_that_changes_only_a_bodys_words_keeps_the_site_model_and_anything_else_gathers_it(site_dir, tmp_path):
    """The preview's rebuild after typing in a body (not its first paragraph, the description
    when there is no summary) reuses the last site model (loading/patch.py);
    a change to anything the model is made of (a field, a heading, a link, where a field is,
    another file) gathers it again. Every step gives a clean build's output and messages."""
    def a_source(body="Some words.\n", title="Alpha", extra=""):
        return article(title, tags="[sleep]", summary="Short.", body="## Part\n\n" + body) + extra
    write(site_dir, "articles/a.md", a_source())
    write(site_dir, "articles/b.md", article("Beta", "Sleep", "2024-01-01", body="See [part](a.md#part).\n"))
    (site_dir.articles / "pics").mkdir()
    write(site_dir, "articles/pics/c.md", article("Gamma", "Fitness", summary="Charts.", body="![A chart](chart.png)\n"))
    age(site_dir.write("articles/pics/chart.png", b"not a png, published as it is"))
    write(site_dir, "articles/_snippets/note.md", "Call 111.\n")
    warm = WarmState()
    assert warm_build(site_dir, warm).ok

    def load_note(result) -> str:  # a failed build has no timings: it did not keep the model either
        return next((work for stage, _, work in result.timings.stages if stage == "load"), "") if result.ok else ""

    steps = [
        ("words", lambda: write(site_dir, "articles/a.md", a_source("Other words.\n")), True),
        ("words again", lambda: write(site_dir, "articles/a.md", a_source("Third words, more of them.\n")), True),
        ("heading renamed: b's link breaks", lambda: write(site_dir, "articles/a.md",
                                                          a_source().replace("## Part", "## Piece")), False),
        ("heading back", lambda: write(site_dir, "articles/a.md", a_source()), False),
        ("words after the fix", lambda: write(site_dir, "articles/a.md", a_source("Fixed words.\n")), True),
        ("title", lambda: write(site_dir, "articles/a.md", a_source("Fixed words.\n", title="Alpha two")), False),
        ("a link added", lambda: write(site_dir, "articles/a.md",
                                       a_source("See [beta](b.md).\n", title="Alpha two")), False),
        ("a field moved down a line", lambda: write(site_dir, "articles/a.md", a_source(
            "See [beta](b.md).\n", title="Alpha two").replace("title:", "# a comment\ntitle:", 1)), False),
        ("an image's bytes", lambda: age(site_dir.write("articles/pics/chart.png", b"other bytes")), False),
        ("a snippet", lambda: write(site_dir, "articles/_snippets/note.md", "Call 999.\n"), False),
        ("words in another article", lambda: write(site_dir, "articles/pics/c.md", article(
            "Gamma", "Fitness", summary="Charts.", body="![A chart](chart.png)\n\nA caption.\n")), True),
    ]
    for name, change, kept in steps:
        change()
        result = warm_build(site_dir, warm)
        assert ("site model kept" in load_note(result)) == kept, (name, load_note(result))
        assert_same_as_clean(site_dir, result, tmp_path, name)
        assert result.ok == ("breaks" not in name), (name, result.diagnostics)
    assert "A caption." in (site_dir.out / "fitness" / "c.html").read_text(encoding="utf-8")


def test_a_server_does_not_hold_a_sites_images_between_saves(site_dir, tmp_path, monkeypatch):
    """The kept model holds the bytes of the files published next to articles: past
    patch.KEEP_FILES_LIMIT (64 MB; 1 KB here) the server keeps none, and a save still
    gives a clean build's output."""
    from healthhub.loading import patch
    monkeypatch.setattr(patch, "KEEP_FILES_LIMIT", 1_000)
    write(site_dir, "articles/a.md", article("Alpha", summary="Short.", body="![A chart](chart.png)\n"))
    age(site_dir.write("articles/chart.png", b"x" * 999))
    warm = WarmState()
    assert warm_build(site_dir, warm).ok and warm.model is not None
    age(site_dir.write("articles/chart.png", b"x" * 1_001))
    assert warm_build(site_dir, warm).ok and warm.model is None
    write(site_dir, "articles/a.md", article("Alpha", summary="Short.", body="![A chart](chart.png)\n\nMore.\n"))
    result = warm_build(site_dir, warm)
    assert warm.model is None
    assert_same_as_clean(site_dir, result, tmp_path, "big")
