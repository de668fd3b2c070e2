"""Runaway input ends in bounded time with a named file: an article that makes
Python-Markdown run away is stopped at the time limit, an oversized file is not
read, the rest of the build goes on, and the preview server keeps answering."""

from __future__ import annotations

import time
import urllib.request

from conftest import article
from test_serve import Server, free_port

RUNAWAY = "[" * 16000 + "\n"  # quadratic in Python-Markdown: about 40 s
SLOW = ("articles/health/brackets.md:1:1: error: converting the Markdown took longer than 1 s of processor time "
        "and was stopped; look for a long run of [, <, *, _ or - characters and break it up, or raise max_convert_seconds in "
        "healthhub.yaml")


def test_an_article_that_makes_markdown_run_away_is_stopped_and_named_and_the_rest_reported(site_dir):
    site_dir.write("healthhub.yaml", "max_convert_seconds: 1\n")
    site_dir.write("articles/health/fine.md", article("Fine"))
    site_dir.cli("--no-search", check=True)
    before = site_dir.tree()
    site_dir.write("articles/health/brackets.md", article("Brackets", body=RUNAWAY))
    site_dir.write("articles/health/bad-date.md", article("Bad date", date="2025-02-30"))
    started = time.monotonic()
    result = site_dir.cli("--no-search")
    assert time.monotonic() - started < 30  # not the 40 s the conversion would take
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("articles/health/bad-date.md:4:7: error:")
    assert lines[1:] == [SLOW, "Build failed: 2 errors in 2 files; site/ was left unchanged."]
    assert site_dir.tree() == before
    again = site_dir.cli("--no-search")  # a stopped conversion is tried again, never cached as an answer
    assert SLOW in again.stderr.splitlines()


def test_a_runaway_article_among_many_parsed_by_workers_stops_only_itself(site_dir):
    site_dir.write("healthhub.yaml", "max_convert_seconds: 1\n")
    for n in range(150):
        site_dir.write(f"articles/health/a{n}.md", article(f"Article {n}", body=f"Words of article {n}.\n"))
    site_dir.write("articles/health/brackets.md", article("Brackets", body=RUNAWAY))
    result = site_dir.build(search=False, jobs=2)
    assert not result.ok
    assert [d.format() for d in result.diagnostics] == [SLOW]
    assert result.parsed == 151
    site_dir.write("articles/health/brackets.md", article("Brackets", body="[a] [b]\n"))
    result = site_dir.build(search=False, jobs=2)
    assert result.ok and result.parsed == 1  # the other 150 came from the cache
    assert "Words of article 149." in site_dir.read("health/a149.html")


def test_an_oversized_article_is_not_read_and_says_how_big_it_is(site_dir):
    site_dir.write("healthhub.yaml", "max_article_mb: 1\n")
    site_dir.write("articles/health/fine.md", article("Fine"))
    site_dir.write("articles/health/huge.md", article("Huge", body="Words and more words.\n" * 70_000))
    result = site_dir.cli("--no-search")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "articles/health/huge.md:1:1: error: the file is larger than 1 MB (1.5 MB), so it was not read; split it "
        "into several articles, or raise max_article_mb in healthhub.yaml",
        "Build failed: 1 error in 1 file; site/ was left unchanged."]


def test_the_limits_are_checked_in_the_config(site_dir):
    site_dir.write("healthhub.yaml", "max_convert_seconds: 0\nmax_article_mb: lots\n")
    site_dir.write("articles/health/fine.md", article("Fine"))
    result = site_dir.cli()
    assert result.returncode == 2
    assert [line.split(": error: ")[0] for line in result.stderr.splitlines()] == ["healthhub.yaml:1:22",
                                                                                     "healthhub.yaml:2:17"]


def test_the_preview_server_answers_while_a_runaway_article_is_being_stopped(site_dir):
    site_dir.write("healthhub.yaml", "max_convert_seconds: 5\n")
    site_dir.write("articles/health/fine.md", article("Fine"))
    server = Server(site_dir.root, port=free_port())
    try:
        server.wait_ready()
        site_dir.write("articles/health/brackets.md", article("Brackets", body=RUNAWAY))
        time.sleep(0.5)  # the rebuild has started (the server looks for changes every 0.1 s at most)
        for _ in range(4):
            with urllib.request.urlopen(server.url + "health/fine.html", timeout=10) as response:
                assert response.status == 200 and b"Fine" in response.read()
            assert "took longer than" not in server.output  # answered while the rebuild runs
            time.sleep(0.2)
        server.wait_for_output(r"brackets\.md:1:1: error: converting the Markdown took longer than 5 s of processor time", timeout=60)
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output
