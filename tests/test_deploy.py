"""The same site/ works under a subpath of a real HTTP server."""

import functools
import re
import shutil
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import ROOT, SiteDir


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def hub_server(tmp_path):
    """The sample site built with base_url .../hub/ and served at http://127.0.0.1:PORT/hub/."""
    project = SiteDir(tmp_path / "project")
    shutil.rmtree(project.articles)
    shutil.copytree(ROOT / "articles", project.articles)
    config = (ROOT / "healthhub.yaml").read_text()
    project.write("healthhub.yaml", re.sub(r"(?m)^base_url:.*$", "base_url: https://example.org/hub/", config))
    assert project.build().ok
    docroot = tmp_path / "www"
    docroot.mkdir()
    shutil.copytree(project.out, docroot / "hub")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(docroot)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hub/"
    server.shutdown()
    server.server_close()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_every_link_and_asset_resolves_under_a_subpath(hub_server):
    seen, queue, broken = set(), [hub_server + "index.html"], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, body = fetch(url)
        if status != 200:
            broken.append(url)
            continue
        if not url.endswith(".html"):
            continue
        for ref in re.findall(r'(?:href|src)="([^"]+)"', body):
            target = urljoin(url, ref).split("#")[0]
            if urlsplit(target).netloc == urlsplit(hub_server).netloc:
                assert urlsplit(target).path.startswith("/hub/"), f"{url} links outside the subpath: {ref}"
                queue.append(target)
    assert broken == []
    assert len([u for u in seen if u.endswith(".html")]) > 20


def test_404_page_links_work_when_served_for_a_deep_missing_url(hub_server):
    status, body = fetch(hub_server + "404.html")
    assert status == 200
    base = hub_server + "health/no/such/page.html"  # where a host would show it
    for ref in re.findall(r'href="([^"]+\.html)"', body):
        assert fetch(urljoin(base, ref))[0] == 200, ref
