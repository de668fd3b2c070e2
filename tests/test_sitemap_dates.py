"""Every page in sitemap.xml has a <lastmod>, from the content only (never a file's
modification time): same input, same sitemap, byte for byte."""

from __future__ import annotations

import os
import re

import checkers
from conftest import article

CONFIG = """\
base_url: https://example.org/
accessibility_contact: access@example.org
accessibility_tested: 2025-02-14
"""
GLOSSARY = """\
GP:
  definition: A family doctor.
  stands_for: general practitioner
"""


def lastmods(sitemap: str) -> dict[str, str | None]:
    found = {}
    for entry in re.findall(r"<url>(.*?)</url>", sitemap, re.S):
        loc = re.search(r"<loc>https://example.org/(.*?)</loc>", entry).group(1)
        date = re.search(r"<lastmod>(.*?)</lastmod>", entry)
        found[loc] = date.group(1) if date else None
    return found


def test_every_page_has_a_lastmod_from_its_content_not_from_file_times(site_dir, tmp_path):
    site_dir.write("healthhub.yaml", CONFIG)
    site_dir.write("articles/glossary.yaml", GLOSSARY)
    site_dir.write("articles/health/a.md", article("Seeing a GP", date="2025-03-01", body="Ask your GP.\n"))
    site_dir.write("articles/health/b.md", article("Sleep", date="2025-01-10", updated="2025-04-02", tags="[rest]"))
    assert site_dir.build(search=False).ok
    sitemap = site_dir.out / "sitemap.xml"
    assert checkers.validate_sitemap(sitemap, site_dir.out, "https://example.org/") == []
    dates = lastmods(sitemap.read_text(encoding="utf-8"))
    assert {"glossary.html", "accessibility.html", "", "topics.html", "health/a.html"} <= set(dates)
    assert [loc for loc, date in dates.items() if date is None] == []
    assert dates["accessibility.html"] == "2025-02-14"  # the statement's date of last test
    assert dates["glossary.html"] == "2025-04-02" == dates[""]  # the site's newest change
    before = sitemap.read_bytes()
    # new modification times on every input, another output folder: the same sitemap
    for path in [site_dir.root / "healthhub.yaml", *site_dir.articles.rglob("*")]:
        os.utime(path, (2_000_000_000, 2_000_000_000))
    other = site_dir.build(search=False, use_cache=False, out_dir=tmp_path / "other")
    assert other.ok and (tmp_path / "other" / "sitemap.xml").read_bytes() == before
    # without a date of last test, the statement follows the site's newest change
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\naccessibility_contact: access@example.org\n")
    assert site_dir.build(search=False).ok
    assert lastmods(site_dir.read("sitemap.xml"))["accessibility.html"] == "2025-04-02"
