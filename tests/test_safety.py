"""Content that could mix up, hide or hang: runaway tags, names that collide or look
alike, positions of field errors, names the file system refuses, ids the theme uses,
files a generated one would replace, values at the edges (issue #12, parts of #14)."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, article
from healthhub import paths
from healthhub.content import Article
from healthhub.render import RelatedIndex, related_articles


# --- related articles ------------------------------------------------------------------

def _article(n: int, category: str, tags: tuple[str, ...], day: int) -> Article:
    return Article(source=f"articles/a{n}.md", title=f"A{n}", category=category, category_slug=category.lower(),
                   slug=f"a{n}", date=dt.date(2020, 1, 1) + dt.timedelta(days=day), updated=None, views=0,
                   summary="", description="", tags=tags, author="", draft=False, headings=(),
                   path=f"{category.lower()}/a{n}.html")


def test_related_index_ranks_exactly_as_the_plain_definition():
    rng = random.Random(12)
    for _ in range(30):
        pool = [f"t{i}" for i in range(rng.randint(1, 8))]
        articles = [_article(n, rng.choice(["Health", "Sleep", "Food"]),
                             tuple(rng.sample(pool, rng.randint(0, len(pool)))), rng.randint(0, 5))
                    for n in range(rng.randint(1, 25))]
        articles.sort(key=lambda a: (-a.date.toordinal(), a.title.lower(), a.path))
        index = RelatedIndex(articles)
        for count in (1, 4, 30):
            for a in articles:
                assert index.related(a, count) == related_articles(a, articles, count)


def test_thousands_of_shared_tags_rank_without_trying_their_combinations():
    # 40 shared tags were 2^40 combinations (a hang); 10,000 tags on one article too.
    script = textwrap.dedent("""
        import datetime as dt, sys
        sys.path.insert(0, sys.argv[1])
        from healthhub.content import Article
        from healthhub.render import RelatedIndex
        def make(n, tags, category="Health"):
            return Article(source=f"a{n}.md", title=f"A{n}", category=category, category_slug=category.lower(),
                           slug=f"a{n}", date=dt.date(2025, 1, 1) - dt.timedelta(days=n), updated=None, views=0,
                           summary="", description="", tags=tuple(tags), author="", draft=False, headings=(),
                           path=f"{category.lower()}/a{n}.html")
        shared = [f"shared {i}" for i in range(40)]
        articles = [make(0, shared + [f"own {i}" for i in range(10_000)]), make(1, shared),
                    make(2, shared[:39], "Sleep"), make(3, shared[:1], "Food"), make(4, [], "Food")]
        index = RelatedIndex(articles)
        print([a.title for a in index.related(articles[0], 4)])
    """)
    run = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "['A1', 'A2', 'A3']", run.stderr


def test_a_site_with_an_article_of_1000_tags_builds(site_dir):
    tags = "[" + ", ".join(f"topic {i}" for i in range(1_000)) + "]"
    site_dir.write("articles/many.md", article("Many", tags=tags))
    site_dir.write("articles/other.md", article("Other", tags="[topic 5, topic 7]"))
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "Other" in site_dir.read("health/many.html")
