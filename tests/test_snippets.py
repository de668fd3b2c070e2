"""Reusable snippets: `[[snippet: name]]` includes articles/_snippets/name.md."""

from __future__ import annotations

import pytest

from conftest import article

CALL_111 = "!!! urgent\n    Call 111 if the pain gets worse.\n\n[[snippet: disclaimer]]\n"


def write_site(site_dir):
    site_dir.write("articles/_snippets/call-111.md", CALL_111)
    site_dir.write("articles/_snippets/disclaimer.md", "Ask a pharmacist about pain relief.\n")
    site_dir.write("articles/_snippets/unused.md", "Nobody includes this.\n")
    site_dir.write("articles/health/knee.md", article("Knee", body="Knee text.\n\n[[snippet: call-111]]\n"))
    site_dir.write("articles/health/back.md", article("Back", date="2025-01-02",
                                                      body="Back text.\n\n- a list\n\n    [[snippet: disclaimer]]\n"))
    site_dir.write("articles/health/hip.md", article("Hip", date="2025-01-03",
                                                     body="Hip text.\n\n```\n[[snippet: call-111]]\n```\n"))


def test_a_snippet_is_included_with_its_callouts_and_nested_snippets(site_dir):
    write_site(site_dir)
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    knee = site_dir.read("health/knee.html")
    assert '<div class="callout callout-urgent" role="note">' in knee
    assert "<p>Call 111 if the pain gets worse.</p>" in knee
    assert "<p>Ask a pharmacist about pain relief.</p>" in knee
    back = site_dir.read("health/back.html")
    assert "<li>\n<p>a list</p>\n<p>Ask a pharmacist about pain relief.</p>\n</li>" in back  # indented: in the item
    assert "[[snippet: call-111]]" in site_dir.read("health/hip.html")  # in a code block: shown as written
    assert not (site_dir.out / "_snippets").exists() and not list(site_dir.out.rglob("*.md"))
    assert "Nobody includes this" not in "".join(p.read_text() for p in site_dir.out.rglob("*.html"))


def test_editing_a_snippet_rebuilds_exactly_the_pages_that_use_it(site_dir, tmp_path):
    write_site(site_dir)
    assert site_dir.build(search=False).ok
    site_dir.write("articles/_snippets/disclaimer.md", "Ask a pharmacist or call 111.\n")
    result = site_dir.build(search=False)
    assert result.ok
    assert result.parsed == 2  # knee (through call-111) and back; hip shows the line as code
    assert result.rendered == 2
    assert "Ask a pharmacist or call 111." in site_dir.read("health/knee.html")
    assert "Ask a pharmacist or call 111." in site_dir.read("health/back.html")
    site_dir.write("articles/_snippets/call-111.md", CALL_111.replace("worse", "much worse"))
    result = site_dir.build(search=False)
    assert (result.parsed, result.rendered) == (1, 1)
    site_dir.write("articles/_snippets/unused.md", "Still unused.\n")
    result = site_dir.build(search=False)
    assert (result.parsed, result.rendered) == (0, 0)
    # the incremental output equals a clean build
    clean = site_dir.build(search=False, use_cache=False, out_dir=tmp_path / "clean")
    assert clean.ok
    fresh = {p.relative_to(tmp_path / "clean").as_posix(): p.read_bytes()
             for p in sorted((tmp_path / "clean").rglob("*")) if p.is_file()}
    assert site_dir.tree() == fresh


@pytest.mark.parametrize("files, message", [
    ({"articles/a.md": article("A", body="Text.\n\n[[snippet: call-112]]\n"),
      "articles/_snippets/call-111.md": "Call.\n"},
     "articles/a.md:9:1: error: there is no snippet 'call-112' (articles/_snippets/call-112.md), "
     "create that file or use one of: call-111"),
    ({"articles/a.md": article("A", body="Text.\n\n[[snippet: x]]\n"),
      "articles/_snippets/x.md": "X.\n\n[[snippet: y]]\n", "articles/_snippets/y.md": "  [[snippet: x]]\n"},
     "articles/_snippets/y.md:1:3: error: the snippet 'x' includes itself (x -> y -> x), "
     "remove one of the [[snippet: ...]] lines"),
    ({"articles/a.md": article("A", body="[[snippet: ../secret]]\n")},
     "articles/a.md:7:1: error: '[[snippet: ../secret]]' does not name a snippet, write the file name in "
     "articles/_snippets/ without .md, e.g. [[snippet: call-111]]"),
])
def test_a_missing_snippet_or_a_loop_is_an_error_at_its_line(site_dir, files, message):
    for name, text in files.items():
        site_dir.write(name, text)
    result = site_dir.build(search=False)
    assert not result.ok
    assert message in [d.format() for d in result.diagnostics]

