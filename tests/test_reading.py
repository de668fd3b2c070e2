"""Small things found on real content: keyboard access to code blocks, contents lists."""

from __future__ import annotations

import re

from conftest import article


def test_code_blocks_are_reachable_by_keyboard_and_hash_headings_get_a_contents_list(site_dir):
    site_dir.write("articles/a.md", article("A", body="# One\n\nText.\n\n# Two\n\n```\ncode\n```\n\n# Three\n\nEnd.\n"))
    assert site_dir.build(search=False).ok
    page = site_dir.read("health/a.html")
    assert '<pre tabindex="0"><code>code' in page
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert [text for text in re.findall(r">([^<]+)</a>", toc)] == ["One", "Two", "Three"]
