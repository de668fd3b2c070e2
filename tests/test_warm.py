"""The live preview's warm rebuilds (one WarmState passed to every build()) give exactly
what a clean build gives, whatever happens to the sources and the cache between them."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SiteDir, article
from healthhub.build import build
from healthhub.caching.warm import WarmState
from healthhub.loading import sources
from healthhub.loading.scan import Taken
from healthhub.loading.sources import StandingParser
from healthhub.serving.serve import watched_roots
from healthhub.serving.watch import FolderGuard, take_snapshot
from healthhub.writing.write import look_at_output, make_spare
from test_incremental import SNIPPETS, age, apply, steps_st, tree, write

BAD_DATE = article("Broken", date="2024-02-30", body="Text.\n")
_PARSERS: list[StandingParser] = []


def preview_warm() -> WarmState:
    """A warm state as the live preview makes one, with its standing parse worker
    (closed after the test)."""
    parser = StandingParser()
    _PARSERS.append(parser)
    return WarmState(parser=parser)


@pytest.fixture(autouse=True)
def _close_parse_workers():
    yield
    while _PARSERS:
        _PARSERS.pop().close()


def warm_build(site: SiteDir, warm: WarmState | None, snapshot: bool = False, looked=None, **overrides):
    """A build as the live preview makes it: with `snapshot`, going by the stats of a
    snapshot of the watched folders taken just before (as serve.Rebuilder does), and
    with `looked`, the look at the output folder between builds (see look_between)."""
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        options = site.options(**{"search": False, "drafts": True, **overrides})
        taken = None
        if snapshot:
            began = time.time()
            taken = Taken(take_snapshot(watched_roots(options), skip=options.out_dir), began)
        return build(options, warm=warm, taken=taken, looked=looked)
    finally:
        os.chdir(cwd)


def look_between(site: SiteDir, warm: WarmState, guard: FolderGuard):
    """What serve.Rebuilder.tidy does between builds: the spare brought up to date, then
    the output folder and the spare looked at and watched (None: no look)."""
    make_spare(site.out)
    manifest = warm.named.get("manifest", {})
    if manifest.get("out") != str(site.out.absolute()) or not manifest.get("files"):
        return None
    return look_at_output(site.out, manifest["files"], guard.arm)


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
# the cache folder deleted, a build without the warm state (the command line run on
# the preview's folders) writing the same cache in between, and a page of the output
# folder changed by hand. Before each build the output folder is looked at as the server
# does between builds (taken only when nothing happened there since).
warm_steps_st = st.lists(st.one_of(
    steps_st.map(lambda steps: steps[0]),
    st.tuples(st.just("error"), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("drop-cache")),
    st.tuples(st.just("cold-build")),
    st.tuples(st.just("hand-edit")),  # a page of the output folder changed in place (after the look)
), min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=warm_steps_st)
def test_warm_rebuilds_equal_a_clean_build_after_every_change(steps):
    with tempfile.TemporaryDirectory() as tmp, contextlib.closing(FolderGuard()) as guard:
        site = SiteDir(Path(tmp) / "project")
        (site.articles / "sub").mkdir()
        (site.articles / "es").mkdir()
        write(site, "articles/_snippets/note.md", SNIPPETS[0])
        write(site, "articles/_snippets/inner.md", SNIPPETS[2])
        write(site, "articles/a.md", article("First", body="Hello.\n", tags="[sleep]"))
        write(site, "articles/sub/b.md", article("Second", "Sleep", "2024-02-02", views=3))
        warm = preview_warm()
        assert warm_build(site, warm).ok
        for number, step in enumerate(steps):
            looked = look_between(site, warm, guard)
            if step[0] == "error":
                write(site, f"articles/{step[1]}.md", BAD_DATE)
            elif step[0] == "drop-cache":
                shutil.rmtree(site.root / ".healthhub-cache", ignore_errors=True)
            elif step[0] == "cold-build":
                write(site, "articles/d.md", article("Fourth", "Fitness", "2024-03-03", body="Cold.\n"))
                warm_build(site, None)
            elif step[0] == "hand-edit":
                with open(site.out / "index.html", "r+b") as page:
                    page.write(b"<!-- by hand -->")
            else:
                apply(site, step)
            # the look, as the server takes it: only when nothing happened in the folders since
            result = warm_build(site, warm, snapshot=number % 2 == 0, looked=looked if guard.untouched() else None)
            expected = assert_same_as_clean(site, result, Path(tmp), str(number))
            again = warm_build(site, warm, snapshot=True)  # a rebuild with no change gives the same again
            assert again.ok == result.ok and again.diagnostics == result.diagnostics
            if result.ok:
                assert again.rendered == 0 and tree(site.out) == expected


def test_each_kind_of_save_gives_a_clean_builds_output_and_parses_only_what_changed(site_dir, tmp_path):
    for name in "abcdef":
        write(site_dir, f"articles/{name}.md", article(f"Title {name}", tags="[sleep, salt]", body=f"Body {name}.\n"))
    warm = preview_warm()
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
    warm = preview_warm()
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
    warm = preview_warm()
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


def test_the_digests_a_warm_state_keeps_are_those_worked_out_afresh(site_dir, tmp_path, monkeypatch):
    """incremental.ArticleDigests: after every kind of change, what the warm state kept and
    took over is what working it all out from the site gives; after a body edit only
    that article's body code is worked out again."""
    from healthhub.caching.incremental import article_digests
    from healthhub.loading.model import Site

    def fresh(result) -> tuple:
        made = article_digests(result.site)
        return (made.articles_part, made.pictures_part, made.codes,
                {key: value[1] for key, value in made.listings.items()})

    def kept(warm: WarmState) -> tuple:
        made = warm.digests
        return (made.articles_part, made.pictures_part, made.codes,
                {key: value[1] for key, value in made.listings.items()})

    for name in "abcd":
        write(site_dir, f"articles/{name}.md", article(f"Title {name}", tags="[sleep, salt]",
                                                        body=f"Body {name}.\n\nMore.\n"))
    write(site_dir, "articles/e.md", article("Title e", body="See [a](a.md).\n"))
    warm = preview_warm()
    assert warm_build(site_dir, warm).ok
    calls = []
    body_key = Site.body_key
    monkeypatch.setattr(Site, "body_key", lambda site, a: calls.append(a.source) or body_key(site, a))
    steps = [
        ("body", lambda: write(site_dir, "articles/a.md", article("Title a", tags="[sleep, salt]",
                                                                  body="Body a.\n\nMore, and more.\n"))),
        ("title", lambda: write(site_dir, "articles/b.md", article("Renamed b", tags="[sleep, salt]"))),
        ("tags", lambda: write(site_dir, "articles/c.md", article("Title c", tags="[walk]", body="Body c.\n"))),
        ("category", lambda: write(site_dir, "articles/d.md", article("Title d", "Sleep", tags="[salt]"))),
        ("link target renamed", lambda: write(site_dir, "articles/a.md",
                                              article("Title a", tags="[sleep, salt]", slug="moved", body="New.\n"))),
        ("added", lambda: write(site_dir, "articles/f.md", article("Title f", "Fitness", tags="[walk]"))),
        ("deleted", lambda: (site_dir.articles / "b.md").unlink()),
        ("nothing", lambda: None),
    ]
    for name, change in steps:
        change()
        calls.clear()
        result = warm_build(site_dir, warm)
        assert result.ok, (name, result.diagnostics)
        if name == "body":
            assert set(calls) == {"articles/a.md"}, calls  # worked out (and planned) again for that article only
        if name != "nothing":  # (nothing planned then)
            assert kept(warm) == fresh(result), name
        assert_same_as_clean(site_dir, result, tmp_path, name)


def test_a_save_after_the_previews_snapshot_is_built_next_and_never_spoils_the_cache(site_dir, tmp_path):
    """The preview's build goes by the stats of its snapshot (scan.Taken). A file saved
    after the snapshot may be built as it was (the preview builds again once it sees
    the save) or as it is, but what the cache keeps never makes a later build wrong."""
    def snapshot() -> Taken:
        began = time.time()
        return Taken(take_snapshot(watched_roots(options), skip=options.out_dir), began)

    def built(taken: Taken | None, warm: WarmState | None):
        cwd = os.getcwd()
        os.chdir(site_dir.root)
        try:
            return build(options, warm=warm, taken=taken)
        finally:
            os.chdir(cwd)

    options = site_dir.options(search=False, drafts=True)
    write(site_dir, "articles/a.md", article("Alpha", body="First words.\n"))
    write(site_dir, "articles/b.md", article("Beta", body="Beta words.\n"))
    warm = preview_warm()
    assert built(snapshot(), warm).ok

    # Saved after the snapshot: this build goes by the snapshot (Alpha as it was)...
    before = snapshot()
    write(site_dir, "articles/a.md", article("Alpha", body="Second words.\n"))
    assert built(before, warm).ok
    assert "First words." in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")
    # ... and the next one (after the watcher saw the save) by the new snapshot.
    assert_same_as_clean(site_dir, built(snapshot(), warm), tmp_path, "next")
    assert "Second words." in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")

    # Saved twice: the snapshot has the first save's stats, the build reads the second save.
    write(site_dir, "articles/a.md", article("Alpha", body="Third words.\n"))
    between = snapshot()
    write(site_dir, "articles/a.md", article("Alpha", body="Fourth words, longer.\n"))
    assert built(between, warm).ok
    assert_same_as_clean(site_dir, built(snapshot(), warm), tmp_path, "twice")
    # A file made after the snapshot has no stat in it: it is looked at now.
    before = snapshot()
    write(site_dir, "articles/c.md", article("Gamma", body="Gamma words.\n"))
    result = built(before, warm)
    assert result.ok and result.parsed == 1
    assert_same_as_clean(site_dir, result, tmp_path, "new file")
    # The command line on the same folders: nothing to do, and the same site.
    result = built(None, None)
    assert result.ok and result.rendered == 0
    assert_same_as_clean(site_dir, result, tmp_path, "cli")

    # A file changed seconds before the snapshot was taken: nothing is taken as unchanged by its stat.
    (site_dir.articles / "b.md").write_text(article("Beta", body="Beta fresh.\n"), encoding="utf-8")
    result = built(snapshot(), warm)
    assert result.ok and result.parsed == 1
    assert_same_as_clean(site_dir, result, tmp_path, "racy")
    from healthhub.caching.cache import Cache
    with Cache(options.cache_folder()) as cache:
        assert cache.load("summary") == {}  # no "nothing changed" answer may stand on that stat


def test_a_hand_edited_output_folder_is_repaired_by_the_next_warm_build(site_dir, tmp_path):
    """Between warm rebuilds someone edits, adds, removes or replaces files in the output
    folder: the next rebuild (one body edited) gives a clean build's output."""
    for name in "abc":
        write(site_dir, f"articles/{name}.md", article(f"Title {name}", tags="[sleep]", body=f"Body {name}.\n"))
    warm = preview_warm()
    assert warm_build(site_dir, warm).ok
    out = site_dir.out

    def replace_by_folder(rel: str) -> None:
        (out / rel).unlink()
        (out / rel).mkdir()
        (out / rel / "inside.html").write_text("x", encoding="utf-8")

    def second_name(rel: str, other: str) -> None:  # as many files as before, one of them twice
        (out / rel).unlink()
        os.link(out / other, out / rel)

    edits = [
        ("appended", lambda: (out / "health" / "b.html").open("a", encoding="utf-8").write("by hand")),
        ("stray file", lambda: (out / "health" / "stray.html").write_text("by hand", encoding="utf-8")),
        ("removed", lambda: (out / "health" / "c.html").unlink()),
        ("stray and removed", lambda: (os.rename(out / "health" / "c.html", out / "health" / "d.html"))),
        ("folder", lambda: replace_by_folder("health/b.html")),
        ("link", lambda: ((out / "health" / "c.html").unlink(), (out / "health" / "c.html").symlink_to(out / "index.html"))),
        ("hard link", lambda: second_name("health/c.html", "health/b.html")),
    ]
    for number, (name, edit) in enumerate(edits):
        for also in ("nothing else", "a body edited"):  # the folder's state alone decides, or not
            edit()
            if also != "nothing else":
                write(site_dir, "articles/a.md", article("Title a", tags="[sleep]", body=f"Edit {number}.\n"))
            result = warm_build(site_dir, warm)
            assert result.ok, (name, also, result.diagnostics)
            assert_same_as_clean(site_dir, result, tmp_path, f"{name}, {also}")
            assert not (out / "health" / "c.html").is_symlink()


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
    warm = preview_warm()
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
    warm = preview_warm()
    assert warm_build(site_dir, warm).ok and warm.model is not None
    age(site_dir.write("articles/chart.png", b"x" * 1_001))
    assert warm_build(site_dir, warm).ok and warm.model is None
    write(site_dir, "articles/a.md", article("Alpha", summary="Short.", body="![A chart](chart.png)\n\nMore.\n"))
    result = warm_build(site_dir, warm)
    assert warm.model is None
    assert_same_as_clean(site_dir, result, tmp_path, "big")


def test_a_save_that_changes_what_listings_show_plans_only_the_pages_showing_that_article(site_dir, tmp_path):
    """A new first paragraph in an article without `summary:` changes its description
    (shown on its category's and topics' pages, in other articles' related lists) and
    perhaps its reading time: the preview keeps the site model with the new article in
    its place and plans only the pages that show it, and the pages that read the whole
    article list (a theme's own home page here). Each step gives a clean build's output."""
    def a_source(first="First words about sleep.", title="Alpha"):
        return article(title, tags="[sleep]", body=f"{first}\n\n## Part\n\nMore words.\n")
    write(site_dir, "articles/a.md", a_source())
    for name in "bcdef":
        write(site_dir, f"articles/{name}.md", article(f"Title {name}", "Health" if name in "bc" else "Fitness",
                                                       "2024-01-01", tags="[sleep]" if name == "b" else "[walk]",
                                                       body=f"Words of {name}.\n"))
    # a theme's own home page that reads every article (render.SiteView: the "articles" part)
    write(site_dir, "templates/home.html", '{% extends "default/home.html" %}{% block main %}{{ super() }}'
                                           '<p id="every">{% for a in site.articles %}{{ a.description }} / '
                                           '{% endfor %}</p>{% endblock %}')
    warm = preview_warm()
    assert warm_build(site_dir, warm).ok

    def stage(result, name: str) -> str:
        return next(work for found, _, work in result.timings.stages if found == name)

    def planned(result) -> tuple[int, int]:
        """(pages planned, pages in all) of a build that planned only some pages."""
        found = re.fullmatch(r"([\d,]+) of ([\d,]+) pages \(only .*\)", stage(result, "plan pages"))
        assert found, stage(result, "plan pages")
        return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))
    steps = [
        ("first paragraph", lambda: write(site_dir, "articles/a.md", a_source("New opening words, here.")), True),
        ("again", lambda: write(site_dir, "articles/a.md", a_source("Another opening, " + "word " * 400)), True),
        ("title", lambda: write(site_dir, "articles/a.md", a_source("Another opening.", title="Alpha two")), False),
        ("first paragraph after a full plan", lambda: write(site_dir, "articles/a.md",
                                                            a_source("Opening three.", title="Alpha two")), True),
        ("words further down only", lambda: write(site_dir, "articles/a.md", a_source(
            "Opening three.", title="Alpha two").replace("More words.", "More words, and more.")), True),
    ]
    for name, change, listed in steps:
        change()
        result = warm_build(site_dir, warm)
        assert result.ok, (name, result.diagnostics)
        assert ("site model kept" in stage(result, "load")) == listed, (name, stage(result, "load"))
        assert_same_as_clean(site_dir, result, tmp_path, name.replace(" ", "-"))
        if name == "words further down only":
            assert planned(result)[0] == 1, name  # its own page
        elif listed:
            # its own page, its category's and topic's, the home page that reads every article,
            # b's and c's (which show it as related or as more from its category): not e's or f's
            count, every = planned(result)
            assert 4 <= count < every - 2, (name, count, every)
        else:
            assert stage(result, "plan pages") == f"{result.written.unchanged + result.written.written - 5:,} pages" \
                or "of" not in stage(result, "plan pages"), name
    home = (site_dir.out / "index.html").read_text(encoding="utf-8")
    assert "Opening three." in home
    assert "Opening three." in (site_dir.out / "health" / "index.html").read_text(encoding="utf-8")
    assert "Alpha two" in (site_dir.out / "health" / "b.html").read_text(encoding="utf-8")  # related or more


def test_a_server_started_on_an_up_to_date_folder_keeps_the_model_for_the_first_save(site_dir, tmp_path):
    """The preview's first build fills its empty warm state even when nothing changed since
    the last build (rendering and writing nothing), so the author's first save keeps the
    site model instead of gathering it and planning every page again."""
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]", body="First words.\n\n## Part\n\nMore.\n"))
    write(site_dir, "articles/b.md", article("Beta", body="Words of b.\n"))
    assert warm_build(site_dir, None).ok  # the last session's preview, or a build into the same folder
    before = {path: path.stat().st_ino for path in site_dir.out.rglob("*") if path.is_file()}
    warm = preview_warm()
    first = warm_build(site_dir, warm)  # the server starts: nothing changed
    assert first.ok and first.rendered == 0 and first.written.written == 0
    assert {path: path.stat().st_ino for path in site_dir.out.rglob("*") if path.is_file()} == before
    assert warm.model is not None and warm.planned is not None
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]", body="New first words.\n\n## Part\n\nMore.\n"))
    saved = warm_build(site_dir, warm)
    load = next(work for stage, _, work in saved.timings.stages if stage == "load")
    assert "site model kept" in load, load
    assert_same_as_clean(site_dir, saved, tmp_path, "first-save")
    again = warm_build(site_dir, warm)  # and a build with nothing changed after that is the short one
    assert [stage for stage, _, _ in again.timings.stages] == ["check inputs"]


def test_a_saved_config_that_converts_markdown_differently_is_used_by_the_next_warm_build(site_dir, tmp_path):
    """safe_html and the emergency number in callouts change what an article's Markdown
    becomes: a server's next build converts with the config as saved, as a clean build."""
    body = '<span onclick="alert(1)">Raw</span> text.\n\n!!! urgent\n    Chest pain.\n'
    write(site_dir, "articles/a.md", article("Title a", body=body))
    warm = preview_warm()
    for name, config in (("default", None), ("safe", "safe_html: true\n"),
                         ("number", "safe_html: true\nemergency_number: '112'\n"), ("back", "safe_html: false\n")):
        if config is not None:
            write(site_dir, "healthhub.yaml", config)
        result = warm_build(site_dir, warm)
        assert result.ok and result.parsed == 1, (name, result.diagnostics)
        assert_same_as_clean(site_dir, result, tmp_path, name)
        page = (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")
        assert ("onclick" in page) == (name in ("default", "back")), name
        assert ("112" in page) == (name == "number"), name


def test_a_save_is_parsed_by_the_standing_worker_and_one_it_stops_by_a_forked_one(site_dir, tmp_path, monkeypatch):
    """The preview parses a save's article in the worker it started at once (nothing is
    forked for it, whatever the site's size); an article that worker is stopped on is
    reported as too slow, and later saves are parsed by workers forked as before."""
    runaway = "[" * 16000 + "\n"  # quadratic in Python-Markdown: about 40 s
    write(site_dir, "healthhub.yaml", "max_convert_seconds: 1\n")
    write(site_dir, "articles/a.md", article("Alpha", body="First text.\n"))
    write(site_dir, "articles/b.md", article("Beta", body="Other text.\n"))
    warm = preview_warm()
    worker = warm.parser.worker
    assert warm_build(site_dir, warm).ok
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(sources.os, "fork", lambda: forks.append(1) or real_fork())
    for number in range(3):
        write(site_dir, "articles/a.md", article("Alpha", body=f"Save {number}.\n"))
        result = warm_build(site_dir, warm)
        assert result.ok and result.parsed == 1 and forks == [], (number, result.diagnostics)
        assert f"Save {number}." in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")
    assert warm.parser.worker is worker
    write(site_dir, "articles/a.md", article("Alpha", body=runaway))
    stopped = warm_build(site_dir, warm)
    assert not stopped.ok and [d.message for d in stopped.diagnostics][0].startswith("converting the Markdown took")
    assert warm.parser.worker is None and forks == []
    write(site_dir, "articles/a.md", article("Alpha", body="Fixed text.\n"))
    fixed = warm_build(site_dir, warm)
    assert fixed.ok and fixed.parsed == 1 and len(forks) == 1
    assert_same_as_clean(site_dir, fixed, tmp_path, "after the standing worker was stopped")


def test_a_standing_worker_killed_from_outside_is_replaced_by_a_forked_one(site_dir, tmp_path):
    """Killed between saves (the out-of-memory killer, a user's kill): the next save is
    parsed by a worker forked as before, and the site is right."""
    for wait in (True, False):  # gone for sure before the save, or perhaps still going
        write(site_dir, "articles/a.md", article("Alpha", body="First text.\n"))
        warm = preview_warm()
        assert warm_build(site_dir, warm).ok
        pid = warm.parser.worker.pid
        os.kill(pid, signal.SIGKILL)
        while wait and Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z":
            time.sleep(0.01)
        write(site_dir, "articles/a.md", article("Alpha", body=f"Second text {wait}.\n"))
        result = warm_build(site_dir, warm)
        assert result.ok and result.parsed == 1 and warm.parser.worker is None, result.diagnostics
        assert f"Second text {wait}." in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")
        assert_same_as_clean(site_dir, result, tmp_path, f"after the standing worker was killed ({wait})")
