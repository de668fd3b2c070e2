"""`python build.py serve`: a real server process, a real headless Chromium.

Each test starts the server on a small inline site, changes files the way an
editor would, and waits (generously, never timing anything) for the browser
to show the result.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from conftest import ROOT, article
from healthhub.serving import serve as hs
from healthhub.serving import watch as hw
from healthhub.serving.searchindex import BackgroundIndex

WAIT_MS = 15_000


# --- helpers ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python build.py serve` running in a project folder, its terminal output collected."""

    def __init__(self, root: Path, *args: str, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(self.port), *args],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_output(self, pattern: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server never printed {pattern!r}:\n{self.output}")
            time.sleep(0.05)

    def wait_ready(self) -> "Server":
        self.wait_for_output(r"Serving http://")
        return self

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self.reader.join(timeout=10)
        return code


# `browser` is the session's one Chromium (tests/qa_fixtures.py): Playwright's
# sync API cannot start a second instance while that one runs.


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def start(site_dir):
    """Start the server in the site's folder; on teardown stop it with Ctrl-C and
    check it stopped cleanly."""
    servers: list[Server] = []
    site_dir.out = site_dir.root / ".healthhub-preview" / "site"  # where serve builds by default

    def start_server(*args: str) -> Server:
        server = Server(site_dir.root, *args)
        servers.append(server)
        return server.wait_ready()

    yield start_server
    for server in servers:
        code = server.stop()
        assert "Traceback" not in server.output, server.output
        assert code == 0, server.output
        assert server.lines[-1] == "Stopped.", server.output


def save(path: Path, text: str) -> None:
    """Save the way many editors do: write a temporary file beside it, rename it over."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def live(page) -> None:
    """Wait until the page's livereload connection is up (so a later reload is
    the server's doing)."""
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector "
                           "&& window.LiveReload.connector.protocol >= 7", timeout=WAIT_MS)


def mark(page) -> None:
    """Mark the open document: a reload loses the mark (see same_document, reloaded)."""
    page.evaluate("() => { window.sameDocument = true; }")


def open_marked(page, url: str) -> None:
    """Open the page, wait for its connection, and mark the document."""
    page.goto(url)
    live(page)
    mark(page)


def same_document(page) -> bool:
    """Whether the page is still the document that was marked (not reloaded)."""
    return page.evaluate("() => window.sameDocument === true")


def reloaded(page) -> bool:
    """Whether the marked document has been replaced by one that finished loading."""
    try:
        return page.evaluate("() => window.sameDocument !== true && document.readyState === 'complete'")
    except PlaywrightError:  # its document is being replaced right now
        return False


# --- the browser follows the sources -----------------------------------------------------

def test_an_edit_shows_up_in_the_open_page(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="First version.\n"))
    server = start()
    page.goto(server.url + "health/knee.html")
    expect(page.locator("h1")).to_have_text("Knee pain")
    live(page)
    knee.write_text(article("Knee pain", body="Second version with new advice.\n"), encoding="utf-8")
    expect(page.locator(".article-body")).to_contain_text("Second version with new advice.", timeout=WAIT_MS)
    assert "Second version with new advice." in site_dir.read("health/knee.html")


def test_a_save_is_applied_to_the_open_page_in_place(site_dir, start, page):
    """No reload: what the page's scripts set up and the focus stay, the page stays
    scrolled where it was (give or take the new paragraph); the new words, title and
    heading are there."""
    long_body = "".join(f"Paragraph {n} about knees and rest.\n\n" for n in range(80))
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body=long_body))
    server = start()
    page.set_viewport_size({"width": 390, "height": 700})
    open_marked(page, server.url + "health/knee.html")
    page.locator(".skip-link").focus()
    page.evaluate("() => window.scrollTo(0, 1500)")
    save(knee, article("Knee pain, when to worry", body="A new first paragraph.\n\n" + long_body))
    expect(page.locator(".article-body")).to_contain_text("A new first paragraph.", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Knee pain, when to worry")
    assert page.title().startswith("Knee pain, when to worry")
    assert same_document(page)
    assert 1500 <= page.evaluate("() => window.scrollY") < 1600
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    # the version the page knows is the new build's: a reconnection does not reload it
    assert page.evaluate("() => fetch('/__healthhub/build').then(r => r.text())") == page.evaluate(
        "() => document.querySelector('script[data-healthhub-preview][data-version]').dataset.version")
    # one copy of the preview's scripts, as on a page just loaded
    assert page.locator("script[data-healthhub-preview]").count() == 2
    # what the reader typed into a field stays (an element equal to the new page's is left as it is)
    page.fill("#hh-search-q", "knee exercises")
    save(knee, article("Knee pain, when to worry", body="A newer first paragraph.\n\n" + long_body))
    expect(page.locator(".article-body")).to_contain_text("A newer first paragraph.", timeout=WAIT_MS)
    assert same_document(page) and page.input_value("#hh-search-q") == "knee exercises"


def test_a_save_that_changes_what_the_page_runs_reloads_it(site_dir, start, page):
    """A template that adds a script: applied in place the new script would not run."""
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    open_marked(page, server.url + "health/knee.html")
    base = site_dir.templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</body>", "<script>document.body.dataset.ran = 'yes';</script></body>"), encoding="utf-8")
    expect(page.locator("body")).to_have_attribute("data-ran", "yes", timeout=WAIT_MS)
    assert not same_document(page)


def test_a_page_its_scripts_or_reader_changed_is_reloaded_not_undone(site_dir, start, page):
    """Applied in place, the new page would undo what a script built (the search page's
    Pagefind box) or the reader opened: such a page is loaded again."""
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="First.\n"))
    server = start()
    server.wait_for_output("Search index up to date")
    open_marked(page, server.url + "search.html")
    box = page.locator("#search input")
    expect(box).to_be_visible(timeout=WAIT_MS)
    save(knee, article("Knee pain", body="Second.\n"))
    page.wait_for_function("() => window.sameDocument !== true", timeout=WAIT_MS)
    expect(box).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".search-browse")).to_be_hidden()

    open_marked(page, server.url + "health/knee.html")
    page.evaluate("() => { document.querySelector('h1').dataset.opened = 'yes'; }")
    save(knee, article("Knee pain", body="Third.\n"))
    expect(page.locator(".article-body")).to_contain_text("Third.", timeout=WAIT_MS)
    assert not same_document(page)


def test_a_page_with_noscript_is_reloaded_and_its_fallback_stays_hidden(site_dir, start, page):
    base = site_dir.templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</body>", "<noscript><p class='no-js'>Turn on JavaScript.</p></noscript></body>"), encoding="utf-8")
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="First.\n"))
    server = start()
    open_marked(page, server.url + "health/knee.html")
    save(knee, article("Knee pain", body="Second.\n"))
    expect(page.locator(".article-body")).to_contain_text("Second.", timeout=WAIT_MS)
    assert not same_document(page)
    assert page.locator("noscript p").count() == 0  # applied in place, it would hold the parsed <p>


def test_a_new_picture_under_the_same_name_reloads_the_page(site_dir, start, page):
    from PIL import Image

    def picture(color: str) -> None:
        Image.new("RGB", (40, 30), color).save(site_dir.articles / "health" / "knee.png")

    site_dir.write("articles/health/knee.md", article("Knee pain", body="![A knee](knee.png)\n"))
    picture("red")
    server = start()
    open_marked(page, server.url + "health/knee.html")
    time.sleep(1.1)  # a new mtime second
    picture("blue")
    page.wait_for_function("() => window.sameDocument !== true", timeout=WAIT_MS)
    expect(page.locator(".article-body img").first).to_be_visible()
    server.wait_for_output(r"after a change to .*knee\.png")


def test_an_open_page_whose_article_is_deleted_shows_the_404_page(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain"))
    site_dir.write("articles/health/back.md", article("Back pain"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    knee.unlink()
    expect(page.locator("h1")).to_have_text("Page not found", timeout=WAIT_MS)


def test_an_output_folder_removed_by_hand_is_built_again_and_the_open_page_comes_back(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    open_marked(page, server.url + "health/knee.html")
    shutil.rmtree(site_dir.root / ".healthhub-preview")  # cache and all, as `git clean` would
    server.wait_for_output(r"\.healthhub-preview/site/ was removed: building it again")
    page.wait_for_function("() => window.sameDocument !== true", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Knee pain", timeout=WAIT_MS)
    assert (site_dir.out / "health" / "knee.html").is_file()
    assert urllib.request.urlopen(server.url + "health/knee.html", timeout=10).status == 200


def test_two_quick_saves_end_with_the_second_text(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Original.\n"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    save(knee, article("Knee pain", body="Draft one of the advice.\n"))
    time.sleep(0.3)
    save(knee, article("Knee pain", body="Draft two of the advice.\n"))
    expect(page.locator(".article-body")).to_contain_text("Draft two of the advice.", timeout=WAIT_MS)
    server.wait_for_output(r"Built 1 article after a change to .*knee\.md")
    # and it stays there: a third quick save right after a reload is not dropped either
    save(knee, article("Knee pain", body="Draft three of the advice.\n"))
    expect(page.locator(".article-body")).to_contain_text("Draft three of the advice.", timeout=WAIT_MS)


def test_a_broken_article_shows_its_error_in_the_browser_until_fixed(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Rest helps.\n"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    knee.write_text("---\ntitle: [Knee pain\ncategory: Health\ndate: 2025-03-30\n---\n\nRest helps.\n", encoding="utf-8")
    panel = page.locator("#hh-serve-errors")
    expect(panel).to_be_visible(timeout=WAIT_MS)
    expect(panel).to_contain_text("articles/health/knee.md:", timeout=WAIT_MS)
    server.wait_for_output(r"articles/health/knee\.md:\d+:\d+: error: ")
    terminal_line = next(line for line in server.lines if line.startswith("articles/health/knee.md:"))
    expect(panel.locator("pre").first).to_have_text(terminal_line)
    assert server.proc.poll() is None
    # the site on disk is still the last good build
    assert "Rest helps." in site_dir.read("health/knee.html")

    knee.write_text(article("Knee pain", body="Rest and ice help.\n"), encoding="utf-8")
    expect(panel).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator(".article-body")).to_contain_text("Rest and ice help.", timeout=WAIT_MS)


def test_a_missing_title_is_shown_with_html_escaped(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    page.goto(server.url)
    live(page)
    knee.write_text("---\ncategory: Health\ndate: 2025-03-30\n<b>oops: 1\n---\n\nText.\n", encoding="utf-8")
    panel = page.locator("#hh-serve-errors")
    expect(panel).to_contain_text("the front matter has no 'title'", timeout=WAIT_MS)
    expect(panel.locator("b")).to_have_count(0)


def test_home_page_follows_new_and_deleted_articles(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    page.goto(server.url)
    live(page)
    cards = page.locator(".card-title")
    expect(cards).to_have_text(["Knee pain"])
    new = site_dir.write("articles/sleep/naps.md", article("Short naps", category="Sleep", date="2025-04-02"))
    expect(cards).to_have_text(["Short naps", "Knee pain"], timeout=WAIT_MS)
    expect(page.locator(".site-nav a")).to_have_text(["Health", "Sleep"])
    new.unlink()
    expect(cards).to_have_text(["Knee pain"], timeout=WAIT_MS)
    expect(page.locator(".site-nav a")).to_have_text(["Health"])


def test_a_renamed_article_takes_the_open_page_to_its_new_address(site_dir, start, page):
    old = site_dir.write("articles/health/knee.md", article("Knee pain", body="About knees.\n"))
    site_dir.write("articles/health/back.md", article("Back pain", date="2025-01-01"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    os.rename(old, old.with_name("knee-pain.md"))
    expect(page).to_have_url(server.url + "health/knee-pain.html", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Knee pain")
    page.goto(server.url)
    expect(page.locator(".card-title")).to_have_text(["Knee pain", "Back pain"])
    assert not (site_dir.out / "health" / "knee.html").exists()


def test_a_renamed_category_takes_the_open_category_page_to_its_new_address(site_dir, start, page):
    for name in ("knee", "back"):
        site_dir.write(f"articles/health/{name}.md", article(name.title(), category="Health"))
    site_dir.write("articles/sleep.md", article("Naps", category="Sleep"))
    server = start()
    page.goto(server.url + "health/")
    live(page)
    for name in ("knee", "back"):
        site_dir.write(f"articles/health/{name}.md", article(name.title(), category="Wellbeing"))
    expect(page).to_have_url(server.url + "wellbeing/index.html", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Wellbeing")


def test_moved_pages_follows_a_renamed_category_but_not_a_split_one():
    from healthhub.serving.serve import CATEGORY_KEY, moved_pages
    before = {"a.md": "health/a.html", "b.md": "health/b.html",
              CATEGORY_KEY + "a.md": "health/index.html", CATEGORY_KEY + "b.md": "health/index.html"}
    renamed = {"a.md": "care/a.html", "b.md": "care/b.html",
               CATEGORY_KEY + "a.md": "care/index.html", CATEGORY_KEY + "b.md": "care/index.html"}
    assert moved_pages(before, renamed) == {"health/a.html": "care/a.html", "health/b.html": "care/b.html",
                                            "health/index.html": "care/index.html"}
    split = dict(renamed, **{"b.md": "sleep/b.html", CATEGORY_KEY + "b.md": "sleep/index.html"})
    assert "health/index.html" not in moved_pages(before, split)


def test_editor_swap_and_backup_files_change_nothing(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Original.\n"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    before = len(server.lines)
    site_dir.write("articles/health/.knee.md.swp", b"\x00\x01 vim swap \xff")
    site_dir.write("articles/health/knee.md~", "---\nnot: [valid\n")
    site_dir.write("articles/health/#knee.md#", "---\nnot: [valid\n")
    os.symlink("user@host.1234", site_dir.articles / "health" / ".#knee.md")  # Emacs lock: a dangling link
    site_dir.write("templates/static/.style.css.swp", b"\x00swap")
    save(knee, article("Knee pain", body="Edited after the swap files appeared.\n"))
    expect(page.locator(".article-body")).to_contain_text("Edited after the swap files appeared.", timeout=WAIT_MS)
    expect(page.locator("#hh-serve-errors")).to_have_count(0)
    new_output = "\n".join(server.lines[before:])
    assert "error" not in new_output, new_output
    assert not (site_dir.out / "assets" / ".style.css.swp").exists()


def test_a_stylesheet_change_restyles_the_page_without_reloading_it(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    open_marked(page, server.url + "health/knee.html")
    css = site_dir.templates / "static" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3); }\n", encoding="utf-8")
    expect(page.locator("h1")).to_have_css("color", "rgb(1, 2, 3)", timeout=WAIT_MS)
    assert same_document(page)
    assert "rgb(1, 2, 3)" in site_dir.read("assets/style.css")


def test_a_template_change_rebuilds_every_page(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    base = site_dir.templates / "base.html"
    good = base.read_text(encoding="utf-8")
    base.write_text(good.replace("Skip to main content", "Jump to the article"), encoding="utf-8")
    expect(page.locator(".skip-link")).to_have_text("Jump to the article", timeout=WAIT_MS)
    base.write_text(good.replace("{% block main %}", "{% block main %}{% if %}"), encoding="utf-8")
    expect(page.locator("#hh-serve-errors")).to_contain_text("templates/base.html:", timeout=WAIT_MS)
    base.write_text(good, encoding="utf-8")
    expect(page.locator("#hh-serve-errors")).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator(".skip-link")).to_have_text("Skip to main content", timeout=WAIT_MS)


def test_a_warning_is_printed_but_does_not_cover_the_page(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    page.goto(server.url + "health/knee.html")
    live(page)
    knee.write_text(article("Knee pain", reviwed="2025-04-01", body="Checked again.\n"), encoding="utf-8")
    expect(page.locator(".article-body")).to_contain_text("Checked again.", timeout=WAIT_MS)
    expect(page.locator("#hh-serve-errors")).to_have_count(0)
    server.wait_for_output(r"articles/health/knee\.md:5:1: warning: unknown front-matter field 'reviwed'")


def test_drafts_are_shown_with_a_visible_banner(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain", draft="true"))
    server = start()
    page.goto(server.url + "health/knee.html")
    banner = page.locator(".draft-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Draft")
    assert banner.bounding_box()["height"] > 10
    page.goto(server.url)
    expect(page.locator(".badge-draft")).to_be_visible()


def test_a_config_change_is_picked_up_and_a_bad_one_is_shown(site_dir, start, page):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    config = site_dir.write("healthhub.yaml", "site_name: Clinic notes\n")
    server = start()
    page.goto(server.url)
    live(page)
    expect(page.locator(".site-name")).to_have_text("Clinic notes")
    config.write_text("site_nam: Typo\n", encoding="utf-8")
    expect(page.locator("#hh-serve-errors")).to_contain_text("healthhub.yaml:1:1: error: unknown config key 'site_nam'",
                                                             timeout=WAIT_MS)
    config.write_text("site_name: Health notes\n", encoding="utf-8")
    expect(page.locator(".site-name")).to_have_text("Health notes", timeout=WAIT_MS)
    expect(page.locator("#hh-serve-errors")).to_have_count(0)


# --- the server's edges -------------------------------------------------------------------

def raw_get(port: int, target: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """Send exactly `GET target` (no client-side normalising) and return status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_no_file_outside_the_site_is_served(site_dir, start):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    secret = "TOP-SECRET-CONTENT"
    site_dir.write("secret.txt", secret)
    server = start()
    outside = site_dir.root.parent / "outside.txt"
    outside.write_text(secret, encoding="utf-8")
    (site_dir.out / "assets" / "link.txt").symlink_to(site_dir.root / "secret.txt")
    (site_dir.out / "linked-dir").symlink_to(site_dir.root)
    attempts = [
        "/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/outside.txt",
        "/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt",
        "/%252e%252e/secret.txt", "/assets/link.txt", "/linked-dir/secret.txt", "/linked-dir/",
        "//etc/passwd", "/%00../secret.txt", f"http://127.0.0.1:{server.port}/../secret.txt",
    ]
    for target in attempts:
        status, body = raw_get(server.port, target)
        assert status in (400, 404), (target, status)
        assert secret.encode() not in body, target
        assert b"root:" not in body, target
    status, body = raw_get(server.port, "/health/knee.html")
    assert status == 200 and b"Knee pain</h1>" in body


def test_other_host_names_are_refused(site_dir, start):
    """A page on another site that points its name at 127.0.0.1 cannot read the drafts."""
    site_dir.write("articles/health/knee.md", article("Knee pain", draft="true"))
    server = start()
    assert raw_get(server.port, "/health/knee.html", host=f"localhost:{server.port}")[0] == 200
    status, body = raw_get(server.port, "/health/knee.html", host=f"attacker.example:{server.port}")
    assert status == 403 and b"Knee pain" not in body


def test_open_asks_for_a_browser_tab(site_dir, tmp_path, monkeypatch):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f"#!{sys.executable}\nimport sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(fake))
    server = Server(site_dir.root, "--open").wait_ready()
    try:
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text() == server.url
    finally:
        assert server.stop() == 0


def test_after_many_changes_the_served_site_equals_a_clean_build(site_dir, start):
    """Whatever shortcut a rebuild takes, the site folder ends as a clean build makes it."""
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", tags="[running]"))
    back = site_dir.write("articles/health/back.md", article("Back pain", date="2025-01-02"))
    server = start()

    def change(action, outcome: str = "Built ") -> None:
        done = len(re.findall(f"^{outcome}", server.output, re.M))
        action()
        deadline = time.monotonic() + 60
        while len(re.findall(f"^{outcome}", server.output, re.M)) <= done:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)

    change(lambda: save(knee, article("Knee pain", tags="[running, joints]", body="New advice.\n")))
    # An error, then fixed; the build cache deleted under the running server (which keeps
    # parsed articles in memory between builds: it must notice and start again).
    change(lambda: save(knee, article("Knee pain", date="2025-02-30")), outcome="Build failed")
    change(lambda: save(knee, article("Knee pain", tags="[running, joints]", body="Fixed advice.\n")))
    shutil.rmtree(site_dir.root / ".healthhub-preview" / ".healthhub-cache")
    change(lambda: save(back, article("Back pain", date="2025-01-02", body="Rest a little.\n")))
    change(lambda: site_dir.write("articles/sleep/naps.md", article("Naps", category="Sleep", draft="true")))
    change(lambda: os.rename(back, back.with_name("lower-back.md")))
    change(lambda: (site_dir.articles / "sleep" / "naps.md").unlink())
    change(lambda: site_dir.write("templates/static/extra.css", "p { margin: 0 }\n"))
    change(lambda: site_dir.write("healthhub.yaml", "site_name: Clinic notes\n"))
    served = site_dir.tree()
    assert not (site_dir.root / "site").exists(), "the preview (with drafts) must never be written into site/"
    site_dir.cli("--drafts", "--out", "clean", check=True)
    clean = {p.relative_to(site_dir.root / "clean").as_posix(): p.read_bytes()
             for p in sorted((site_dir.root / "clean").rglob("*")) if p.is_file()}
    # The preview's search index is kept outside the site folder and served at /pagefind/:
    # once it has caught up with the last change it is the clean build's, file for file.
    index = {path: data for path, data in clean.items() if path.startswith("pagefind/")}
    assert "pagefind/pagefind-entry.json" in index
    assert served.keys() == clean.keys() - index.keys()
    assert [path for path in served if served[path] != clean[path]] == []
    last_build = server.output.rindex("\nBuilt ")
    server.wait_for_output(r"Built [^\n]*\n(.*\n)*Search index up to date")
    assert server.output.rindex("Search index up to date") > last_build
    assert [path for path, data in index.items() if raw_get(server.port, "/" + path) != (200, data)] == []


def search_results(page, url: str, word: str) -> list[str]:
    """The titles the preview's search page lists for `word` (empty: none found)."""
    page.goto(f"{url}search.html?q={word}")
    # Pagefind's message says how many pages it found ("1 result for ...", "No results for
    # ...") before the results themselves are shown: wait for both.
    page.wait_for_function("""() => {
        const message = document.querySelector('.pagefind-ui__message');
        if (!message || /^Searching/.test(message.textContent)) return false;
        const found = /^(\\d+) result/.exec(message.textContent.trim());
        const shown = document.querySelectorAll('.pagefind-ui__result-link').length;
        return found ? shown === Math.min(Number(found[1]), 5) : /^No results/.test(message.textContent.trim());
    }""", timeout=WAIT_MS)
    return page.locator(".pagefind-ui__result-link").all_inner_texts()


def test_a_save_reloads_the_page_first_and_search_finds_the_new_text_after(site_dir, start, page, browser):
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="First version about stairs.\n"))
    server = start()
    server.wait_for_output("Search index up to date")
    search_page = browser.new_page()
    try:
        assert search_results(search_page, server.url, "stairs") == ["Knee pain"]
        mark(search_page)
        page.goto(server.url + "health/knee.html")
        live(page)
        builds = server.output.count("\nBuilt ")
        save(knee, article("Knee pain", body="Second version about quadriceps.\n"))
        expect(page.locator(".article-body")).to_contain_text("quadriceps", timeout=WAIT_MS)
        # The open search page is reloaded by the save too (its Pagefind box changed it),
        # maybe later than the page in front (a tab behind another has its timers
        # slowed): it must be done before the test navigates that tab itself.
        deadline = time.monotonic() + 60
        while not reloaded(search_page):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # the page was reloaded by the build; Pagefind runs after it, in the background
        server.wait_for_output(r"after a change to [^\n]*knee.md")
        assert server.output.count("\nBuilt ") == builds + 1
        deadline = time.monotonic() + 60
        while (found := search_results(search_page, server.url, "quadriceps")) != ["Knee pain"]:
            assert found == [] and time.monotonic() < deadline, (found, server.output)
            time.sleep(0.2)
        assert server.output.rindex("Search index up to date") > server.output.rindex("\nBuilt ")
        assert search_results(search_page, server.url, "stairs") == []
    finally:
        search_page.close()


def test_a_build_drops_the_index_being_made_and_only_finished_ones_are_served(site_dir):
    """What a save during indexing does: Pagefind is stopped, its folder never served;
    the next version's index is, and the one before it stays for pages that loaded it."""
    site_dir.write("articles/health/knee.md", article("Knee pain", body="About stairs.\n"))
    assert site_dir.build(index_search=False).ok
    ready: queue.Queue = queue.Queue()
    lines: list[str] = []
    index = BackgroundIndex(site_dir.out, on_ready=ready.put, say=lines.append, tell=lines.append)
    index.start()
    try:
        index.resume(1)
        deadline = time.monotonic() + 30
        while index.process is None:  # Pagefind has started on version 1: a save comes in
            assert time.monotonic() < deadline
            time.sleep(0.005)
        index.pause()
        while any(index.folder.iterdir()):  # its folder is removed, never served
            assert time.monotonic() < deadline
            time.sleep(0.02)
        index.resume(2)
        first = ready.get(timeout=60)
        assert ready.empty() and len(first) == 1
        assert json.loads((first[0] / "pagefind-entry.json").read_text())["languages"]
        index.pause()
        index.resume(3)
        second = ready.get(timeout=60)
        assert len(second) == 2 and second[1] == first[0] and second[0] != first[0]
    finally:
        index.stop()
    assert not index.folder.exists()
    assert [line for line in lines if "Search index up to date" not in line] == []


def test_a_preview_without_search_has_no_box_and_no_index(site_dir, start):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start("--no-search")
    status, body = raw_get(server.port, "/health/knee.html")
    assert status == 200 and b"hh-search-q" not in body
    assert raw_get(server.port, "/pagefind/pagefind-entry.json")[0] == 404
    assert "Search index" not in server.output


def test_missing_pages_get_the_sites_404_page(site_dir, start):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    status, body = raw_get(server.port, "/health/no-such-page.html")
    assert status == 404 and b"Page not found" in body and b'src="/__healthhub/preview.js"' in body
    for target in ("/health", "//health", "/%2Fhealth"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            head = sock.recv(65536).split(b"\r\n\r\n")[0].decode()
        assert head.split()[1] == "302", head
        assert "\r\nLocation: /health/\r\n" in head + "\r\n", head  # never //host: not off the site


def listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_only_the_loopback_address_is_bound(site_dir, start):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = start()
    assert listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1


def test_a_port_in_use_is_one_clear_line(site_dir, start):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    first = start()
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(first.port)],
        cwd=site_dir.root, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert f"port {first.port} is already in use" in lines[0] and "--port" in lines[0]


def test_ctrl_c_while_serving_stops_without_a_traceback(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    server = Server(site_dir.root).wait_ready()
    with urllib.request.urlopen(server.url) as response:
        assert response.status == 200
    assert server.stop() == 0
    assert "Traceback" not in server.output
    assert server.lines[-1] == "Stopped."
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=5)


def test_a_broken_site_at_start_still_serves_the_error(site_dir, start, page):
    knee = site_dir.write("articles/health/knee.md", "---\ntitle: Knee pain\ndate: 2025-03-30\n---\n\nText.\n")
    server = start()
    page.goto(server.url)
    expect(page.locator("#hh-serve-errors")).to_contain_text("the front matter has no 'category'")
    live(page)
    knee.write_text(article("Knee pain"), encoding="utf-8")
    expect(page.locator("h1")).to_contain_text("HealthHub", timeout=WAIT_MS)
    expect(page.locator(".card-title")).to_have_text(["Knee pain"], timeout=WAIT_MS)


# --- pure pieces ---------------------------------------------------------------------------

def test_site_file_refuses_paths_that_leave_the_site(tmp_path):
    root = tmp_path / "site"
    (root / "health").mkdir(parents=True)
    (root / "index.html").write_text("home")
    (root / "health" / "index.html").write_text("health")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "out.txt").symlink_to(tmp_path / "secret.txt")
    assert hs.site_file(root, "/") == (root / "index.html", False)
    assert hs.site_file(root, "/health/") == (root / "health" / "index.html", False)
    assert hs.site_file(root, "/health") == (None, True)
    for bad in ("/../secret.txt", "/%2e%2e/secret.txt", "/health/%2E%2E/../secret.txt", "/out.txt",
                "/..%5csecret.txt", "/%00", "/%ff", "relative"):
        assert hs.site_file(root, bad) == (None, False), bad


def test_snapshot_ignores_editor_files_and_sees_a_rename_over(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    page = articles / "a.md"
    page.write_text("one")
    for name in (".a.md.swp", "a.md~", "#a.md#", ".#a.md", "4913"):
        (articles / name).write_text("x")
    first = hw.take_snapshot([articles])
    assert list(first) == [str(page)]
    temp = articles / "a.md.tmp"
    temp.write_text("two")  # same size, maybe the same time: the inode tells
    stat = page.stat()
    os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(temp, page)
    assert hw.changed_paths(first, hw.take_snapshot([articles])) == [str(page)]


def test_moved_pages_follow_slug_changes_and_single_renames():
    before = {"articles/a.md": "health/a.html", "articles/b.md": "health/b.html"}
    assert hs.moved_pages(before, {"articles/a.md": "health/a2.html", "articles/b.md": "health/b.html"}) == {
        "health/a.html": "health/a2.html"}
    assert hs.moved_pages(before, {"articles/c.md": "health/c.html", "articles/b.md": "health/b.html"}) == {
        "health/a.html": "health/c.html"}
    assert hs.moved_pages(before, {"articles/c.md": "health/c.html"}) == {}


def test_a_moved_page_is_remembered_across_saves_that_move_nothing():
    """publish keeps old address -> new address for pages still open at the old one; a
    save that moves nothing keeps them as they were, and an address in use again is
    no longer redirected."""
    state = hs.ServeState()
    hs.publish(state, hs.Outcome((), {"articles/a.md": "health/a.html", "articles/b.md": "health/b.html"}), [hs.RELOAD])
    hs.publish(state, hs.Outcome((), {"articles/a.md": "health/a2.html", "articles/b.md": "health/b.html"}), [hs.RELOAD])
    assert state.moved == {"health/a.html": "health/a2.html"}
    for _ in range(2):  # saves that changed only words
        hs.publish(state, hs.Outcome((), {"articles/a.md": "health/a2.html", "articles/b.md": "health/b.html"}), [hs.RELOAD])
        assert state.moved == {"health/a.html": "health/a2.html"}
    hs.publish(state, hs.Outcome((), {"articles/a.md": "health/a.html", "articles/b.md": "health/b.html"}), [hs.RELOAD])
    assert state.moved == {"health/a2.html": "health/a.html"}


def test_without_inotify_polling_still_rebuilds_every_save(site_dir, monkeypatch):
    monkeypatch.chdir(site_dir.root)
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    outcomes: queue.Queue = queue.Queue()
    lines: list[str] = []
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: outcomes.put(outcome),
                             say=lines.append, tell=lines.append)
    rebuilder.waker.close()
    rebuilder.waker = hw.PollingWaker()
    rebuilder.take_current()  # as serve() does: the build goes by the snapshot's stats
    assert rebuilder.build_now([]).errors == ()
    rebuilder.start()
    try:
        for text in ("First save.", "Second save."):
            save(knee, article("Knee pain", body=text + "\n"))
            while text not in site_dir.read("health/knee.html"):
                assert outcomes.get(timeout=30).errors == (), lines
    finally:
        rebuilder.stop()
        rebuilder.thread.join(timeout=30)
        rebuilder.close()
    assert not rebuilder.thread.is_alive()


def test_between_saves_the_server_readies_what_the_next_save_needs(site_dir, monkeypatch):
    """Rebuilder.tidy: after a first build into an empty folder the writer's spare holds
    the site's own files (hard links), and which pages show which article is known."""
    monkeypatch.chdir(site_dir.root)
    site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    site_dir.write("articles/health/back.md", article("Back pain", body="Text.\n"))
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: None, say=print, tell=print)
    try:
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()
        out = site_dir.out
        assert not list(out.parent.glob(f".{out.name}-spare-*"))  # the first build leaves none
        rebuilder.tidy()
        spares = list(out.parent.glob(f".{out.name}-spare-*"))
        assert len(spares) == 1
        page = out / "health" / "knee.html"
        assert (spares[0] / "health" / "knee.html").stat().st_ino == page.stat().st_ino
        showing = rebuilder.warm.planned._showing  # worked out already, before a save asks
        assert showing is not None and "health/knee.html" in showing[str(Path("articles/health/knee.md"))]
        save(site_dir.articles / "health" / "knee.md", article("Knee pain", body="New text.\n"))
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()
        assert "New text." in page.read_text(encoding="utf-8")
    finally:
        rebuilder.close()


def test_the_browser_is_told_once_the_new_site_is_written_before_the_cache_is_saved(site_dir, monkeypatch):
    """build_now's `publish` comes with the new page already in the output folder and
    before the cache is saved; a failed build publishes nothing early."""
    from healthhub.caching.cache import Cache

    monkeypatch.chdir(site_dir.root)
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, targets: None, say=print, tell=print)
    events: list[str] = []
    store_manifest = Cache.store_manifest

    def storing(self, *args, **kwargs):
        events.append("cache saved")
        return store_manifest(self, *args, **kwargs)
    monkeypatch.setattr(Cache, "store_manifest", storing)

    def publish(outcome) -> None:
        events.append("published: " + ("New text." in site_dir.read("health/knee.html")) * "new page")
        assert outcome.errors == () and outcome.output_changed
        assert outcome.pages["articles/health/knee.md"] == "health/knee.html"
    try:
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()
        events.clear()
        save(knee, article("Knee pain", body="New text.\n"))
        rebuilder.take_current()
        outcome = rebuilder.build_now([str(knee)], publish)
        assert events == ["published: new page", "cache saved"]
        assert outcome.errors == () and outcome.pages["articles/health/knee.md"] == "health/knee.html"
        events.clear()
        save(knee, "---\ntitle: [Knee\n---\n")
        rebuilder.take_current()
        assert rebuilder.build_now([str(knee)], publish).errors and not any("published" in e for e in events)
    finally:
        rebuilder.close()


def test_a_save_takes_the_look_at_the_output_folder_only_if_nothing_touched_it(site_dir, monkeypatch):
    """Rebuilder.tidy looks at the output folder and the spare and watches them: the next
    build takes that look (and the site is what a build that looks again makes), unless
    something changed a file there since, which that build then puts right."""
    monkeypatch.chdir(site_dir.root)
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    site_dir.write("articles/health/back.md", article("Back pain", body="Text.\n"))
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: None, say=print, tell=print)
    took: list[bool] = []
    run_build = hs.run_build

    def noting(options, debug, warm, taken, looked, *rest):
        took.append(looked is not None)
        return run_build(options, debug, warm, taken, looked, *rest)
    monkeypatch.setattr(hs, "run_build", noting)
    back = site_dir.out / "health" / "back.html"
    try:
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()
        clean = back.read_bytes()
        for number, tamper in enumerate((False, True, False)):
            rebuilder.tidy()
            assert rebuilder.looked is not None
            if tamper:  # in place: the same inode, as an editor with backupcopy=yes writes
                with open(back, "r+b") as handle:
                    handle.write(b"<!-- changed by hand -->")
            save(knee, article("Knee pain", body=f"Save {number}.\n"))
            rebuilder.take_current()
            assert rebuilder.build_now([]).errors == ()
            assert took[-1] is (not tamper) and rebuilder.looked is None
            assert f"Save {number}." in site_dir.read("health/knee.html")
            assert back.read_bytes() == clean
    finally:
        rebuilder.close()


def test_the_terminal_shows_a_sites_many_warnings_grouped_once_then_only_new_ones(site_dir, monkeypatch):
    """A site brought from elsewhere has hundreds of warnings: the server shows them as
    the command line does (grouped by kind), and after a save only the ones it brought."""
    monkeypatch.chdir(site_dir.root)
    for number in range(15):
        site_dir.write(f"articles/health/page-{number}.md", article(f"Page {number}", layout="post"))
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    site_dir.write("healthhub.yaml", "site_name: Knees\n")  # no base_url: a warning a failed build does not reach
    lines: list[str] = []
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: None, say=lines.append, tell=lines.append)
    try:
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()
        assert any(line.startswith("warning: 15 × unknown front-matter field") for line in lines), lines
        assert any("no base_url is set" in line for line in lines) and len(lines) < 10, lines
        assert lines[-1].startswith("Built 16 articles in ") and lines[-1].endswith(" with 16 warnings")
        for text, extra in (("New text.\n", {}), (None, {}), ("Fixed text.\n", {}),
                            ("Newer text.\n", {"colour": "blue"})):
            lines.clear()
            if text is None:  # a save that fails: the error, and nothing of the warnings
                save(knee, "---\ntitle: [unclosed\n---\nText.\n")
                rebuilder.take_current()
                assert rebuilder.build_now([]).errors
                assert "error" in lines[0] and lines[-1].startswith("Build failed"), lines
                continue
            save(knee, article("Knee pain", body=text, **extra))
            rebuilder.take_current()
            assert rebuilder.build_now([]).errors == ()
            if extra:
                assert lines[:2] == ["1 new warning since the last build:", "articles/health/knee.md:5:1: warning: "
                                     "unknown front-matter field 'colour', kept for templates as article.extra"], lines
                assert len(lines) == 3
            else:
                assert len(lines) == 1, lines  # the same 15 as before: not shown again
            assert lines[-1].endswith(f" with {16 + len(extra)} warnings")
    finally:
        rebuilder.close()


def test_timings_print_each_builds_stages_after_its_built_line(site_dir, monkeypatch):
    """`serve --timings`, as `build --timings`: after each Built line, the stages of that
    build, the work each did and the total; without it, none."""
    from healthhub.cli import make_parser

    monkeypatch.chdir(site_dir.root)
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    assert make_parser().parse_args(["serve", "--timings"]).timings
    assert not make_parser().parse_args(["serve"]).timings
    for timings in (True, False):
        lines: list[str] = []
        options = hs.ServeOptions(site_dir.options(drafts=True, search=False), timings=timings)
        rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: None, say=lines.append, tell=lines.append)
        try:
            save(knee, article("Knee pain", body=f"Text {timings}.\n"))
            rebuilder.take_current()
            assert rebuilder.build_now([]).errors == ()
            built = next(n for n, line in enumerate(lines) if line.startswith("Built 1 article in "))
            table = lines[built + 1:]
            if not timings:
                assert table == [], lines
                continue
            assert table[0].split() == ["stage", "time", "share", "work"], lines
            stages = [line[:22].strip() for line in table[1:-1]]
            assert stages[:2] == ["check inputs", "load"] and "render" in stages and "write" in stages, lines
            assert "1 article, 1 parsed" in table[2] and table[-1].startswith("total "), lines
            # a save that changes one body: one page planned and rendered, counted in the singular
            save(knee, article("Knee pain", body=f"Text {timings}.\n\nA second paragraph.\n"))
            rebuilder.take_current()
            assert rebuilder.build_now([]).errors == ()
            again = lines[next(n for n, line in enumerate(lines) if n > built and line.startswith("Built 1 article")):]
            assert any("1 page fingerprinted, 1 to render" in line for line in again), again
            assert not any(" 1 pages" in line for line in again), again
        finally:
            rebuilder.close()


def test_a_change_inotify_cannot_see_is_built_by_the_next_look(site_dir, tmp_path, monkeypatch):
    """The config is a link to a file outside the watched folders: editing that file sends
    no event, and the server's periodic look at every file finds it (and looks every
    second again, since this site has changes nothing reports)."""
    monkeypatch.chdir(site_dir.root)
    shared = tmp_path / "shared" / "healthhub.yaml"
    shared.parent.mkdir()
    shared.write_text("site_name: Old name\n", encoding="utf-8")
    os.symlink(shared, site_dir.root / "healthhub.yaml")
    site_dir.write("articles/health/knee.md", article("Knee pain", body="Text.\n"))
    outcomes: queue.Queue = queue.Queue()
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: outcomes.put(outcome),
                             say=print, tell=print)
    assert isinstance(rebuilder.waker, hw.InotifyWaker)
    rebuilder.take_current()
    assert rebuilder.build_now([]).errors == ()
    assert "Old name" in site_dir.read("health/knee.html")
    rebuilder.start()
    try:
        time.sleep(2.5)  # looks that find nothing: each comes later than the last
        assert rebuilder.waker.idle_seconds > hw.InotifyWaker.IDLE_SECONDS[0]
        save(shared, "site_name: New name\n")
        assert outcomes.get(timeout=30).errors == ()
        assert "New name" in site_dir.read("health/knee.html")
        assert rebuilder.waker.idle_seconds == hw.InotifyWaker.IDLE_SECONDS[0]
    finally:
        rebuilder.stop()
        rebuilder.thread.join(timeout=30)
        rebuilder.close()


def test_wakers_wake_on_a_change_and_on_stop(tmp_path):
    waker = hw.make_waker()
    try:
        waker.watch([str(tmp_path)])
        if isinstance(waker, hw.InotifyWaker):
            threading.Timer(0.2, lambda: (tmp_path / "a.md").write_text("x")).start()
            started = time.monotonic()
            assert waker.wait(30) is False
            assert time.monotonic() - started < 30  # woken by the write, not the timeout
            waker.quiet(0.3, 10)  # the rest of the write's events
        threading.Timer(0.2, waker.stop).start()
        assert waker.wait(30) is True
    finally:
        waker.close()
    polling = hw.PollingWaker()
    try:
        assert polling.wait(0.01) is False
        polling.stop()
        assert polling.wait(30) is True
    finally:
        polling.close()


def test_what_the_open_pages_are_told_depends_on_what_changed(tmp_path):
    static = tmp_path / "templates" / "static"
    article, template = str(tmp_path / "articles" / "a.md"), str(tmp_path / "templates" / "base.html")
    assert hs.browser_update([str(static / "style.css")], static) == ["assets/style.css"]
    assert hs.browser_update([str(static / "style.css"), template], static) == [hs.RELOAD]
    assert hs.browser_update([str(tmp_path / "articles" / "x.css")], static) == [hs.RELOAD]
    # articles, templates, the config: only pages change, applied to the open page in place
    assert hs.browser_update([article, template, str(tmp_path / "healthhub.yaml")], static) == [hs.PAGES_ONLY]
    # a picture or a script keeps its address with new bytes: the page is loaded again
    assert hs.browser_update([article, str(tmp_path / "articles" / "knee.png")], static) == [hs.RELOAD]
    assert hs.browser_update([str(static / "search.js")], static) == [hs.RELOAD]
    assert hs.browser_update([str(static / "page.html")], static) == [hs.RELOAD]
    assert hs.browser_update([], static) == [hs.RELOAD]


def test_the_error_panel_escapes_messages():
    panel = hs.error_overlay(("articles/a.md:2:1: error: '<script>alert(1)</script>' & more",), "site")
    assert "<script>alert" not in panel and "&lt;script&gt;" in panel and "&amp; more" in panel
    page = hs.inject(b"<html><body><p>x</p></body></html>", "<i>extra</i>")
    assert page == b"<html><body><p>x</p><i>extra</i></body></html>"


def test_saves_take_the_last_scan_of_the_articles_folder_only_while_its_folders_are_unchanged(site_dir, monkeypatch):
    """The preview keeps its last scan of the articles folder (scan.Listing) while no
    folder there changed: a save in place takes it, and an article added, removed or
    renamed, or saved the way that renames a new file over it, is seen at the next
    build all the same."""
    monkeypatch.chdir(site_dir.root)
    knee = site_dir.write("articles/health/knee.md", article("Knee pain", body="Old text.\n"))
    back = site_dir.write("articles/health/back.md", article("Back pain", body="Text.\n"))
    hour_ago = time.time() - 3600
    for folder in (site_dir.articles, site_dir.articles / "health"):  # older than a clock tick: a scan can be kept
        os.utime(folder, (hour_ago, hour_ago))
    options = hs.ServeOptions(site_dir.options(drafts=True, search=False))
    rebuilder = hs.Rebuilder(options, on_outcome=lambda outcome, sheets: None, say=print, tell=print)

    def rebuild() -> None:
        rebuilder.take_current()
        assert rebuilder.build_now([]).errors == ()

    try:
        rebuild()
        kept = rebuilder.warm.listing
        assert kept is not None and kept.sources == (str(back), str(knee))
        knee.write_text(article("Knee pain", body="Saved in place.\n"), encoding="utf-8")
        rebuild()
        assert rebuilder.warm.listing is kept and "Saved in place." in site_dir.read("health/knee.html")
        site_dir.write("articles/health/hip.md", article("Hip pain", body="New article.\n"))
        rebuild()
        assert "New article." in site_dir.read("health/hip.html")
        assert rebuilder.warm.listing is None  # the folder just changed: its time cannot vouch yet
        back.unlink()
        save(knee, article("Knee pain", body="Renamed over.\n"))
        rebuild()
        assert not (site_dir.out / "health" / "back.html").exists()
        assert "Renamed over." in site_dir.read("health/knee.html")
        os.utime(site_dir.articles / "health", (hour_ago, hour_ago))
        rebuild()
        assert rebuilder.warm.listing is not None
        assert rebuilder.warm.listing.sources == (str(site_dir.articles / "health" / "hip.md"), str(knee))
        (site_dir.articles / "health" / "hip.md").rename(site_dir.articles / "health" / "hips.md")
        rebuild()
        assert (site_dir.out / "health" / "hips.html").exists() and not (site_dir.out / "health" / "hip.html").exists()
    finally:
        rebuilder.close()
