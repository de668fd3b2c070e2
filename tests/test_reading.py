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


def test_on_wide_screens_the_contents_list_stays_beside_the_text(site_dir, browser):
    sections = "".join(f"## Part {n}\n\n" + "Some words about this part. " * 40 + "\n\n" for n in range(1, 6))
    site_dir.write("articles/a.md", article("A", body=sections))
    assert site_dir.build(search=False).ok
    for width, beside in ((1280, True), (390, False)):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto((site_dir.out / "health/a.html").as_uri())
        toc, body = page.locator(".toc").bounding_box(), page.locator(".article-body").bounding_box()
        assert (toc["x"] >= body["x"] + body["width"]) == beside, (width, toc, body)
        if beside:
            page.mouse.wheel(0, 2000)
            page.wait_for_function("document.querySelector('.toc').getBoundingClientRect().top < 40")
        page.close()
